import fs from 'node:fs';
import { Configuration, getLogger } from '@spindle/core';
import { isGloballyTerminal, type JobStatus } from '@spindle/protocol';
import type { ArchivedJob, Dispatcher, ResourceManager } from '@spindle/runtime';
import type {
  ClusterOverview,
  ClusterView,
  ConfigEntry,
  ExceptionHistory,
  JarRunRequest,
  JobDetails,
  JobResult,
  JobSummary,
  JobCheckpointing,
  JobSubmission,
  SavepointRequest,
  TaskManagerInfo,
  UploadedJar,
  VersionInfo,
} from '../cluster-view.js';
import { JobNotFoundError, JobTerminatedWithoutCancellationError, UnsupportedOperationError } from '../errors.js';
import type { JarRunner } from '../jar-runner.js';
import * as views from './job-master-views.js';

export interface ClusterViewComponents {
  dispatcher: Dispatcher;
  resourceManager: ResourceManager;
  /** The cluster configuration shown by `/jobmanager/config`. */
  configuration: Configuration;
  /** Accepts jobs built by clients (`POST /jobs`); without it such submissions are refused. */
  submitJob?: (submission: JobSubmission) => Promise<string>;
  /** Stores and runs uploaded programs; without it `/jars` operations are refused. */
  jarRunner?: JarRunner;
  /** Shuts the cluster down; called after `DELETE /cluster` has been answered. */
  shutdown?: () => void | Promise<void>;
  version?: VersionInfo;
  /** Root failures kept per job (Flink's `web.exception-history-size`). */
  exceptionHistorySize?: number;
}

const DEFAULT_EXCEPTION_HISTORY_SIZE = 16;

/** The version in this package's manifest, which all Spindle packages share. */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A ClusterView over the JobManager's components in this process. */
export class ClusterViewFromComponents implements ClusterView {
  private readonly log = getLogger('rest');
  private readonly version: VersionInfo;

  constructor(private readonly components: ClusterViewComponents) {
    this.version = components.version ?? { version: packageVersion(), revision: 'unknown' };
  }

  async versionInfo(): Promise<VersionInfo> {
    return this.version;
  }

  async overview(): Promise<ClusterOverview> {
    const [resources, jobs] = await Promise.all([
      this.components.resourceManager.requestResourceOverview(),
      this.components.dispatcher.listJobs(),
    ]);
    const jobsPerStatus: Partial<Record<JobStatus, number>> = {};
    for (const job of jobs) jobsPerStatus[job.status] = (jobsPerStatus[job.status] ?? 0) + 1;
    return {
      taskManagers: resources.numberTaskManagers,
      slotsTotal: resources.numberRegisteredSlots,
      slotsAvailable: resources.numberFreeSlots,
      jobsPerStatus,
    };
  }

  async listJobs(): Promise<JobSummary[]> {
    const jobs = await this.components.dispatcher.listJobs();
    return jobs.flatMap((job) => {
      const archived = this.components.dispatcher.archivedJob(job.jobId);
      return archived ? [views.jobSummary(archived)] : [];
    });
  }

  async jobDetails(jobId: string): Promise<JobDetails> {
    return views.jobDetails(this.job(jobId));
  }

  async jobStatus(jobId: string): Promise<JobStatus> {
    return this.job(jobId).status;
  }

  async jobResult(jobId: string): Promise<JobResult | undefined> {
    const job = this.job(jobId);
    // A job that just ended may not be archived yet: its result is a moment away.
    if (!job.result && isGloballyTerminal(job.status))
      return views.jobResult({ ...job, result: await this.components.dispatcher.requestJobResult(jobId) });
    return views.jobResult(job);
  }

  async exceptionHistory(jobId: string): Promise<ExceptionHistory> {
    const size = this.components.exceptionHistorySize ?? DEFAULT_EXCEPTION_HISTORY_SIZE;
    return views.exceptionHistory(this.job(jobId), size);
  }

  async jobMetrics(jobId: string): Promise<Record<string, string>> {
    return views.jobMetrics(this.job(jobId));
  }

  async cancelJob(jobId: string): Promise<void> {
    const status = this.job(jobId).status;
    if (status === 'CANCELED') return;
    if (views.isTerminalForCancel(status)) throw new JobTerminatedWithoutCancellationError(jobId, status);
    await this.components.dispatcher.cancelJob(jobId);
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    const rm = this.components.resourceManager;
    const overview = await rm.requestResourceOverview();
    const now = Date.now();
    return overview.taskManagers.map((tm) => ({
      id: tm.resourceId,
      address: tm.address,
      dataPort: tm.dataPort,
      jmxPort: -1,
      lastHeartbeat: now - (rm.timeSinceLastHeartbeat(tm.resourceId) ?? 0),
      slotsNumber: tm.numberOfSlots,
      freeSlots: tm.freeSlots,
      hardware: { cpuCores: tm.hardware.cpuCores, physicalMemory: tm.hardware.physicalMemory, freeMemory: 0, managedMemory: 0 },
    }));
  }

  async submitJob(submission: JobSubmission): Promise<string> {
    const submit = this.components.submitJob;
    if (!submit) throw new UnsupportedOperationError('This cluster does not accept job submissions.');
    return submit(submission);
  }

  uploadJar(fileName: string, bytes: Uint8Array): Promise<UploadedJar> {
    return this.jarRunner().upload(fileName, bytes);
  }

  listJars(): Promise<UploadedJar[]> {
    return this.jarRunner().list();
  }

  deleteJar(jarId: string): Promise<void> {
    return this.jarRunner().delete(jarId);
  }

  runJar(jarId: string, request: JarRunRequest): Promise<string> {
    return this.jarRunner().run(jarId, request);
  }

  async shutdownCluster(): Promise<void> {
    const shutdown = this.components.shutdown;
    if (!shutdown) throw new UnsupportedOperationError('This cluster cannot be shut down through the REST API.');
    setImmediate(() => {
      Promise.resolve()
        .then(shutdown)
        .catch((e: unknown) => this.log.error('cluster shutdown failed', { error: String(e) }));
    });
  }

  async configuration(): Promise<ConfigEntry[]> {
    const map = this.components.configuration.toMap();
    return Object.keys(map)
      .sort()
      .map((key) => ({ key, value: map[key]! }));
  }

  /** The job as plain data: a snapshot while it runs, its archive once it ended. */
  private job(jobId: string): ArchivedJob {
    const job = this.components.dispatcher.archivedJob(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  private jarRunner(): JarRunner {
    const runner = this.components.jarRunner;
    if (!runner) throw new UnsupportedOperationError('Program submission through /jars is not enabled on this cluster.');
    return runner;
  }

  async triggerSavepoint(jobId: string, request: SavepointRequest): Promise<string> {
    this.job(jobId);
    const { targetDirectory, ...options } = request;
    return this.components.dispatcher.triggerSavepoint(jobId, targetDirectory, options);
  }

  async checkpointing(jobId: string): Promise<JobCheckpointing | undefined> {
    const job = this.job(jobId);
    if (job.checkpoints === undefined || job.checkpointConfig === undefined) return undefined;
    const backend = new Configuration(job.jobGraph.config).getString('state.backend.type') ?? 'hashmap';
    return { stats: job.checkpoints, config: job.checkpointConfig, stateBackend: backend };
  }
}
