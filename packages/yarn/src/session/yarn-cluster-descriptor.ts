import { TaskManagerMemoryOptions, getLogger, type Configuration } from '@spindle/core';
import { YarnError } from '../errors.js';
import type { RmRestClient } from '../rm-rest-client.js';
import type { ApplicationReport } from '../rm-rest-types.js';
import { YarnOptions } from '../yarn-options.js';
import { shellQuote } from './shell-quote.js';
import { oozieChildTags } from './oozie.js';
import { hadoopUser } from '@spindle/hdfs';
import type { LocalResource } from '../protocols/container-management-client.js';
import {
  STAGED_CONF_FILE,
  STAGING_DIR_ENV,
  TASK_MANAGER_RESOURCES_ENV,
  removeStagingDirectory,
  stageConfiguration,
  stageFile,
  stagedApplications,
  stagingDirectory,
  type ShippedFile,
} from './staging.js';

/** How the AppMaster is started: the engine's launcher on the NodeManager, and its environment. */
export interface AppMasterLaunch {
  /** Program first, e.g. `[node, <engine>/packages/cli/bin/spindle.js, 'yarn-appmaster']`. */
  command: readonly string[];
  /** `-D` options (key=value) for the AppMaster, which passes them on to its TaskManagers. */
  dynamicProperties: readonly string[];
  /** The containers' PATH: the NodeManager passes none of its own. */
  path: string;
  /**
   * The settings staged in the application's staging directory as `spindle-conf.yaml`, which the
   * NodeManager localizes into the AppMaster's working directory (key=value).
   */
  stagedProperties?: readonly string[];
  /** Files shipped with the application (the engine archive, the job bundle), staged beside the configuration. */
  ship?: readonly ShippedFile[];
  /** More environment of the AppMaster (what it is to run: a session, an application's bundle). */
  environment?: Readonly<Record<string, string>>;
}

/** Where an application's files go, and how they get there (HDFS in production, a fake in tests). */
export interface ApplicationStaging {
  /** The staging directory of an application, as a URL. */
  directory(applicationId: string): string;
  /** Creates the directory (700) and uploads the configuration file; returns it as a local resource. */
  stageConfiguration(directory: string, properties: readonly string[]): Promise<LocalResource>;
  /** Uploads (or reuses) a shipped file; after `stageConfiguration`. */
  stageFile(directory: string, file: ShippedFile): Promise<LocalResource>;
  remove(directory: string): Promise<unknown>;
  /** The application ids that have a staging directory of this user. */
  applications(): Promise<string[]>;
}

/** The staging in the cluster's default file system (`fs.defaultFS`). */
export const HDFS_STAGING: ApplicationStaging = {
  directory: (applicationId) => stagingDirectory(applicationId),
  stageConfiguration,
  stageFile,
  remove: removeStagingDirectory,
  applications: () => stagedApplications(),
};

/** A running session cluster: its application and the JobManager's REST address. */
export interface YarnSession {
  applicationId: string;
  /** http://<AM host>:<REST port>. */
  restUrl: string;
  /** The RM's proxy for the AppMaster (`http://<rm>/proxy/<appId>/`). */
  trackingUrl: string;
}

/** The part of the RM REST client the descriptor uses (a fake in tests). */
export type RmApplications = Pick<
  RmRestClient,
  'queue' | 'newApplication' | 'submitApplication' | 'application' | 'killApplication' | 'amContainerLogTail'
>;

interface StagedResources {
  appMaster: Record<string, LocalResource>;
  taskManagers: Record<string, LocalResource>;
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** How much of the AppMaster's jobmanager.err a failed deployment shows. */
const AM_LOG_TAIL_BYTES = 2048;

/**
 * Deploys and finds Spindle session clusters on YARN through the RM REST API (Flink's
 * YarnClusterDescriptor). Checks the queue and the maximum container size before it submits,
 * so that bad input leaves no application behind; an AppMaster that does not come up in time is
 * killed.
 */
export class YarnClusterDescriptor {
  private readonly log = getLogger('yarn-cluster-descriptor');

  constructor(
    private readonly config: Configuration,
    private readonly rm: RmApplications,
    private readonly staging: ApplicationStaging = HDFS_STAGING,
  ) {}

  /**
   * Deploys an AppMaster (a session, an application or a job cluster, as `launch` says) and
   * returns once its JobManager serves REST.
   */
  async deploy(launch: AppMasterLaunch, timeoutMs = 120_000): Promise<YarnSession> {
    await this.removeStaleStaging();
    const queue = await this.rm.queue(this.config.get(YarnOptions.APPLICATION_QUEUE));
    const app = await this.rm.newApplication();
    const jmMb = mb(this.config.get(YarnOptions.JOB_MANAGER_MEMORY));
    const tmMb = mb(this.config.get(TaskManagerMemoryOptions.PROCESS_SIZE));
    const max = Math.min(app.maximumResourceCapability.memory, queue.maximumAllocation?.memory ?? Infinity);
    for (const [what, size] of [
      [`the JobManager (${YarnOptions.JOB_MANAGER_MEMORY.key}, -jm)`, jmMb],
      [`a TaskManager (${TaskManagerMemoryOptions.PROCESS_SIZE.key}, -tm)`, tmMb],
    ] as const) {
      if (size > max) {
        throw new YarnError(
          'YARN_RESOURCE_TOO_LARGE',
          `The memory of ${what}, ${size} MB, is above the maximum allocation of queue '${queue.queueName}': ${max} MB.`,
          { userFacing: true },
        );
      }
    }
    const applicationId = app.applicationId;
    const dynamic = [...launch.dynamicProperties, `high-availability.cluster-id=${applicationId}`];
    const stagingDir = this.staging.directory(applicationId);
    let resources: StagedResources;
    try {
      resources = await this.stage(stagingDir, launch);
    } catch (e) {
      await this.staging.remove(stagingDir).catch(() => undefined);
      throw e;
    }
    try {
      await this.submit(launch, applicationId, queue, jmMb, dynamic, stagingDir, resources);
    } catch (e) {
      // The application was never accepted (or refused at once): nothing else will remove the directory.
      await this.rm.killApplication(applicationId).catch(() => undefined);
      await this.staging.remove(stagingDir).catch(() => undefined);
      throw e;
    }
    this.log.info('submitted the application', { applicationId, stagingDir });
    try {
      return await this.waitUntilRunning(applicationId, timeoutMs);
    } catch (e) {
      await this.rm.killApplication(applicationId).catch(() => undefined);
      // A killed AppMaster does not clean up after itself.
      await this.staging.remove(stagingDir).catch(() => undefined);
      throw e;
    }
  }

  private async submit(
    launch: AppMasterLaunch,
    applicationId: string,
    queue: { queueName: string; queuePath?: string },
    jmMb: number,
    dynamic: readonly string[],
    stagingDir: string,
    resources: StagedResources,
  ): Promise<void> {
    await this.rm.submitApplication({
      applicationId,
      name: this.config.get(YarnOptions.APPLICATION_NAME),
      queue: queue.queuePath ?? queue.queueName,
      applicationType: this.config.get(YarnOptions.APPLICATION_TYPE),
      tags: tagsOf(this.config),
      maxAppAttempts: this.config.get(YarnOptions.APPLICATION_ATTEMPTS),
      resource: { memoryMb: jmMb, vcores: 1 },
      amContainer: {
        localResources: Object.fromEntries(
          Object.entries(resources.appMaster).map(([name, r]) => [
            name,
            { resource: r.url, type: r.type, visibility: r.visibility, size: r.size, timestamp: r.timestamp },
          ]),
        ),
        environment: {
          ...launch.environment,
          PATH: launch.path,
          [TASK_MANAGER_RESOURCES_ENV]: envJson(resources.taskManagers),
          // The configuration is the localized spindle-conf.yaml in the container's working directory.
          SPINDLE_CONF_DIR: '.',
          [STAGING_DIR_ENV]: stagingDir,
          HADOOP_USER_NAME: hadoopUser(),
        },
        commands: [
          ...launch.command.map(shellQuote),
          ...dynamic.map((d) => shellQuote(`-D${d}`)),
          '1><LOG_DIR>/jobmanager.out',
          '2><LOG_DIR>/jobmanager.err',
        ],
      },
    });
  }

  /** Stages the configuration and the shipped files: what the AppMaster and what each TaskManager localizes. */
  private async stage(stagingDir: string, launch: AppMasterLaunch): Promise<StagedResources> {
    const conf = await this.staging.stageConfiguration(stagingDir, launch.stagedProperties ?? []);
    const appMaster: Record<string, LocalResource> = { [STAGED_CONF_FILE]: conf };
    const taskManagers: Record<string, LocalResource> = { [STAGED_CONF_FILE]: conf };
    for (const file of launch.ship ?? []) {
      const resource = await this.staging.stageFile(stagingDir, file);
      appMaster[file.name] = resource;
      if (file.taskManagers) taskManagers[file.name] = resource;
    }
    return { appMaster, taskManagers };
  }

  /**
   * Removes the staging directories of this user's applications that ended without removing
   * theirs (killed through YARN, an AppMaster lost): every deployment sweeps them first.
   */
  async removeStaleStaging(): Promise<void> {
    const ids = await this.staging.applications().catch(() => [] as string[]);
    for (const id of ids) {
      const report = await this.rm.application(id).catch(() => undefined);
      if (report === undefined || !TERMINAL.has(report.state)) continue;
      await this.staging.remove(this.staging.directory(id)).catch(() => undefined);
      this.log.info('removed the staging directory of an ended application', { applicationId: id, state: report.state });
    }
  }

  /** The session of a running application: REST address from the AppMaster's registration (host and REST port). */
  async session(applicationId: string): Promise<YarnSession> {
    const report = await this.rm.application(applicationId);
    const session = sessionOf(report);
    if (session === undefined) {
      const why = report.state === 'RUNNING' ? 'its AppMaster has not registered yet' : `it is ${report.state}`;
      throw new YarnError('YARN_RM_HTTP', `The YARN application ${applicationId} serves no JobManager: ${why}.`, { userFacing: true });
    }
    return session;
  }

  /** Polls the application report until it is FINISHED, FAILED or KILLED. */
  async waitUntilEnded(applicationId: string, timeoutMs: number): Promise<ApplicationReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.rm.application(applicationId);
      if (TERMINAL.has(report.state)) return report;
      if (Date.now() > deadline) {
        throw new YarnError('YARN_RM_HTTP', `The YARN application ${applicationId} is still ${report.state} after ${timeoutMs / 1000} s.`, {
          userFacing: true,
        });
      }
      await sleep(500);
    }
  }

  private async waitUntilRunning(applicationId: string, timeoutMs: number): Promise<YarnSession> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.rm.application(applicationId);
      if (TERMINAL.has(report.state)) {
        // YARN's diagnostics hold only the tail of the container's *stderr* files, and the
        // AppMaster writes jobmanager.err: its end names the cause (an old Node.js, a bad option).
        const err = (await this.rm.amContainerLogTail(report, 'jobmanager.err', AM_LOG_TAIL_BYTES).catch(() => undefined))?.trim();
        throw new YarnError(
          'YARN_RM_HTTP',
          `The YARN application ${applicationId} ended ${report.state} during deployment: ${report.diagnostics ?? ''} (AppMaster logs: ${report.amContainerLogs ?? 'unknown'})` +
            (err === undefined || err === '' ? '' : `\nThe end of the AppMaster's jobmanager.err:\n${err}`),
          { userFacing: true },
        );
      }
      const session = sessionOf(report);
      if (session !== undefined) return session;
      if (Date.now() > deadline) {
        throw new YarnError(
          'YARN_RM_HTTP',
          `The YARN application ${applicationId} was not running within ${timeoutMs / 1000} s (${report.state}: ${report.diagnostics ?? ''}); it was killed.`,
          { userFacing: true },
        );
      }
      await sleep(500);
    }
  }
}

function sessionOf(report: ApplicationReport): YarnSession | undefined {
  const rpc = report.amRPCAddress;
  if (report.state !== 'RUNNING' || rpc === undefined || !/:\d+$/.test(rpc) || rpc.endsWith(':-1') || rpc.endsWith(':0')) return undefined;
  return { applicationId: report.id, restUrl: `http://${rpc}`, trackingUrl: report.trackingUrl ?? '' };
}

/**
 * A JSON value for a container's environment, base64-encoded: the NodeManager writes values into
 * `export NAME="value"` lines of its launch script without escaping quotes.
 */
export function envJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** The value of `envJson`, or `fallback` when the variable is unset. */
export function parseEnvJson<T>(raw: string | undefined, fallback: T): T {
  if (raw === undefined || raw === '') return fallback;
  return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as T;
}

/** `yarn.tags`, and under Oozie the action's child-job tags. */
export function tagsOf(config: Configuration, env: NodeJS.ProcessEnv = process.env): string[] {
  const tags = config
    .get(YarnOptions.TAGS)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return [...new Set([...tags, ...oozieChildTags(env)])];
}

function mb(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
