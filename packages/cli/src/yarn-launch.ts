import path from 'node:path';
import type { Configuration } from '@spindle/core';
import { engineNodeModules, type ClusterMode } from '@spindle/cluster';
import {
  ENGINE_LAUNCHER,
  ENGINE_RESOURCE,
  NODE_RESOURCE,
  SHIPPED_NODE,
  YarnOptions,
  engineArchive,
  envJson,
  nodeArchive,
  type AppMasterLaunch,
  type ShippedFile,
} from '@spindle/yarn';

/** The environment through which the client tells the AppMaster what to run. */
export const APPMASTER_ENV = {
  /** session | job | application (ClusterMode). */
  mode: 'SPINDLE_YARN_CLUSTER_MODE',
  /** The Node.js command of the TaskManager containers (the shipped one, or `yarn.node.command`). */
  nodeCommand: 'SPINDLE_YARN_NODE_COMMAND',
  /** Application mode: the job bundle's link name in the AppMaster's working directory. */
  bundle: 'SPINDLE_YARN_APPLICATION_BUNDLE',
  /** Application mode: the program's arguments (`envJson` of an array). */
  args: 'SPINDLE_YARN_APPLICATION_ARGS',
  /** Application mode: the job id the client chose and printed. */
  jobId: 'SPINDLE_YARN_APPLICATION_JOB_ID',
} as const;

/** The job bundle's link name in the AppMaster's working directory (application mode). */
export const APPLICATION_BUNDLE = 'job.mjs';

export interface ApplicationProgram {
  bundlePath: string;
  args: readonly string[];
  jobId: string;
}

/**
 * How the AppMaster of `mode` is launched: the engine packed as an archive (built once per engine
 * build, cached) and shipped to every container, Node.js shipped too with `yarn.ship-node`, the
 * job bundle shipped to the AppMaster in application mode; the containers run the unpacked
 * engine's launcher in their own working directory. `stagedProperties` become the staged
 * spindle-conf.yaml.
 */
export async function appMasterLaunch(
  config: Configuration,
  mode: ClusterMode,
  stagedProperties: readonly string[],
  program?: ApplicationProgram,
): Promise<AppMasterLaunch> {
  const sharedDir = config.get(YarnOptions.PROVIDED_LIB_DIRS)?.split(',')[0]?.trim() || undefined;
  const shared = sharedDir === undefined ? {} : { sharedDir };
  const engine = await engineArchive(engineNodeModules());
  const ship: ShippedFile[] = [{ name: ENGINE_RESOURCE, localFile: engine.file, type: 'ARCHIVE', taskManagers: true, ...shared }];
  let node = config.get(YarnOptions.NODE_COMMAND);
  if (config.get(YarnOptions.SHIP_NODE)) {
    const archive = await nodeArchive();
    ship.push({ name: NODE_RESOURCE, localFile: archive.file, type: 'ARCHIVE', taskManagers: true, ...shared });
    node = SHIPPED_NODE;
  }
  const environment: Record<string, string> = { [APPMASTER_ENV.mode]: mode, [APPMASTER_ENV.nodeCommand]: node };
  if (program !== undefined) {
    ship.push({ name: APPLICATION_BUNDLE, localFile: program.bundlePath, type: 'FILE', taskManagers: false });
    environment[APPMASTER_ENV.bundle] = APPLICATION_BUNDLE;
    environment[APPMASTER_ENV.args] = envJson(program.args);
    environment[APPMASTER_ENV.jobId] = program.jobId;
  }
  return {
    command: [node, ENGINE_LAUNCHER, 'yarn-appmaster'],
    dynamicProperties: [],
    // The NodeManager passes none of its environment: the usual places of `node`, and where this client's is.
    path: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    stagedProperties,
    ship,
    environment,
  };
}
