import { TaskManagerMemoryOptions, getLogger, type Configuration } from '@spindle/core';
import { YarnError } from '../errors.js';
import type { RmRestClient } from '../rm-rest-client.js';
import type { ApplicationReport } from '../rm-rest-types.js';
import { YarnOptions } from '../yarn-options.js';
import { shellQuote } from './shell-quote.js';
import { hadoopUser } from '@spindle/hdfs';
import type { LocalResource } from '../protocols/container-management-client.js';
import { STAGED_CONF_FILE, STAGING_DIR_ENV, removeStagingDirectory, stageConfiguration, stagingDirectory } from './staging.js';

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
}

/** Where an application's files go, and how they get there (HDFS in production, a fake in tests). */
export interface ApplicationStaging {
  /** The staging directory of an application, as a URL. */
  directory(applicationId: string): string;
  /** Creates the directory (700) and uploads the configuration file; returns it as a local resource. */
  stageConfiguration(directory: string, properties: readonly string[]): Promise<LocalResource>;
  remove(directory: string): Promise<unknown>;
}

/** The staging in the cluster's default file system (`fs.defaultFS`). */
export const HDFS_STAGING: ApplicationStaging = {
  directory: (applicationId) => stagingDirectory(applicationId),
  stageConfiguration,
  remove: removeStagingDirectory,
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
export type RmApplications = Pick<RmRestClient, 'queue' | 'newApplication' | 'submitApplication' | 'application' | 'killApplication'>;

const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

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

  async deploySession(launch: AppMasterLaunch, timeoutMs = 120_000): Promise<YarnSession> {
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
    let conf: LocalResource;
    try {
      conf = await this.staging.stageConfiguration(stagingDir, launch.stagedProperties ?? []);
    } catch (e) {
      await this.staging.remove(stagingDir).catch(() => undefined);
      throw e;
    }
    try {
      await this.submit(launch, applicationId, queue, jmMb, dynamic, stagingDir, conf);
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
    conf: LocalResource,
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
        localResources: {
          [STAGED_CONF_FILE]: {
            resource: conf.url,
            type: conf.type,
            visibility: conf.visibility,
            size: conf.size,
            timestamp: conf.timestamp,
          },
        },
        environment: {
          PATH: launch.path,
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
        throw new YarnError(
          'YARN_RM_HTTP',
          `The YARN application ${applicationId} ended ${report.state} during deployment: ${report.diagnostics ?? ''} (AppMaster logs: ${report.amContainerLogs ?? 'unknown'})`,
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

function tagsOf(config: Configuration): string[] {
  return config
    .get(YarnOptions.TAGS)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

function mb(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
