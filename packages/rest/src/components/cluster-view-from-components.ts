import fs from 'node:fs';
import { Configuration, getLogger } from '@spindle/core';
import { isGloballyTerminal, type JobStatus } from '@spindle/protocol';
import {
  LogDirectory,
  discardCheckpoint,
  processMetricValues,
  readMetadata,
  type ArchivedJob,
  type Dispatcher,
  type LogFileChunk,
  type MetricValues,
  type ResourceManager,
  type ResourceOverview,
  type RuntimeSampler,
  type TaskManagerLogs,
} from '@spindle/runtime';
import type {
  ClusterCapabilities,
  ClusterOverview,
  ClusterView,
  ConfigEntry,
  EnvironmentInfo,
  ExceptionHistory,
  JarRunRequest,
  JobConfig,
  JobDetails,
  JobPlan,
  JobResult,
  JobSummary,
  JobCheckpointing,
  JobSubmission,
  SavepointRequest,
  SubtaskInfo,
  TaskManagerDetails,
  TaskManagerInfo,
  ThreadInfo,
  UploadedJar,
  VersionInfo,
} from '../cluster-view.js';
import { JobNotFoundError, JobTerminatedWithoutCancellationError, TaskManagerNotFoundError, UnsupportedOperationError } from '../errors.js';
import type { JarRunner } from '../jar-runner.js';
import * as detail from './job-views-detail.js';
import * as views from './job-master-views.js';
import { taskManagerDetails, taskManagerInfo } from './task-manager-views.js';
import { environment, threadDump } from './process-views.js';

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
  /** The JobManager's log directory and own log file; none by default (an embedded cluster). */
  logs?: LogDirectory;
  /** Measures the JobManager process for its `Status.*` metrics; without it they are left out. */
  sampler?: RuntimeSampler;
}

/** Largest part of a log file read at once. */
const LOG_CHUNK = 1024 * 1024;

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

  async cancelJob(jobId: string): Promise<void> {
    const status = this.job(jobId).status;
    if (status === 'CANCELED') return;
    if (views.isTerminalForCancel(status)) throw new JobTerminatedWithoutCancellationError(jobId, status);
    await this.components.dispatcher.cancelJob(jobId);
  }

  async reportClientHeartbeat(jobId: string, expiredTimestamp: number): Promise<void> {
    this.job(jobId);
    await this.components.dispatcher.reportClientHeartbeat(jobId, expiredTimestamp).catch(() => undefined);
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    const overview = await this.components.resourceManager.requestResourceOverview();
    const now = Date.now();
    return overview.taskManagers.map((tm) => this.taskManagerInfo(tm, now));
  }

  private taskManagerInfo(tm: ResourceOverview['taskManagers'][number], now: number): TaskManagerInfo {
    return taskManagerInfo(tm, now - (this.components.resourceManager.timeSinceLastHeartbeat(tm.resourceId) ?? 0));
  }

  async taskManagerDetails(taskManagerId: string): Promise<TaskManagerDetails> {
    const rm = this.components.resourceManager;
    const tm = (await rm.requestResourceOverview()).taskManagers.find((t) => t.resourceId === taskManagerId);
    if (!tm) throw new TaskManagerNotFoundError(taskManagerId);
    return taskManagerDetails(this.taskManagerInfo(tm, Date.now()), tm, rm.allocatedSlots());
  }

  async taskManagerMetrics(taskManagerId: string): Promise<MetricValues> {
    const status = (await this.taskManagerDetails(taskManagerId)).status;
    return status
      ? processMetricValues(
          status,
          status.slots.map((s) => s.thread),
        )
      : {};
  }

  async taskManagerLogs(taskManagerId: string): Promise<TaskManagerLogs> {
    await this.taskManagerDetails(taskManagerId);
    return this.components.resourceManager.requestTaskManagerLogList(taskManagerId);
  }

  async taskManagerThreadDump(taskManagerId: string): Promise<ThreadInfo[]> {
    await this.taskManagerDetails(taskManagerId);
    const threads = await this.components.resourceManager.requestTaskManagerThreadDump(taskManagerId);
    return threads.map((t) => ({ name: t.name, stack: t.info }));
  }

  async taskManagerLogFile(taskManagerId: string, name: string, offset: number, length: number): Promise<LogFileChunk> {
    await this.taskManagerDetails(taskManagerId);
    return this.components.resourceManager.requestTaskManagerLogFile(taskManagerId, name, offset, length);
  }

  async jobManagerLogs(): Promise<TaskManagerLogs> {
    const logs = this.logs();
    const files = await logs.list();
    return logs.mainFile === undefined ? { files } : { files, mainFile: logs.mainFile };
  }

  async jobManagerLogFile(name: string, offset: number, length: number): Promise<LogFileChunk> {
    return this.logs().read(name, Math.max(0, offset), Math.min(LOG_CHUNK, Math.max(0, length)));
  }

  private logs(): LogDirectory {
    return this.components.logs ?? new LogDirectory(undefined);
  }

  async jobManagerMetrics(): Promise<MetricValues> {
    const [resources, jobs] = await Promise.all([
      this.components.resourceManager.requestResourceOverview(),
      this.components.dispatcher.listJobs(),
    ]);
    const sampler = this.components.sampler;
    return {
      numRegisteredTaskManagers: resources.numberTaskManagers,
      numRunningJobs: jobs.filter((j) => !isGloballyTerminal(j.status)).length,
      taskSlotsAvailable: resources.numberFreeSlots,
      taskSlotsTotal: resources.numberRegisteredSlots,
      ...(sampler ? processMetricValues(sampler.process()) : {}),
    };
  }

  async jobSubtasks(jobId: string): Promise<SubtaskInfo[]> {
    return detail.subtasks(this.job(jobId));
  }

  async jobConfig(jobId: string): Promise<JobConfig> {
    return detail.jobConfig(this.job(jobId));
  }

  async jobAccumulators(jobId: string): Promise<Record<string, unknown>> {
    return { ...this.job(jobId).accumulators };
  }

  async jobMetrics(jobId: string): Promise<MetricValues> {
    return detail.jobMetricValues(this.job(jobId), Date.now());
  }

  async environment(): Promise<EnvironmentInfo> {
    return environment();
  }

  async threadDump(): Promise<ThreadInfo[]> {
    return threadDump();
  }

  async capabilities(): Promise<ClusterCapabilities> {
    return { jars: this.components.jarRunner !== undefined };
  }

  async planJar(jarId: string, request: JarRunRequest): Promise<JobPlan> {
    return views.jobPlan(await this.jarRunner().plan(jarId, request));
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

  async disposeSavepoint(path: string): Promise<void> {
    const dir = path.replace(/\/+$/, '').replace(/\/_metadata$/, '');
    // Only a directory whose metadata reads as a completed checkpoint or savepoint is deleted.
    await readMetadata(dir);
    await discardCheckpoint(dir);
  }

  async triggerCheckpoint(jobId: string): Promise<number> {
    this.job(jobId);
    return this.components.dispatcher.triggerCheckpoint(jobId);
  }

  async checkpointing(jobId: string): Promise<JobCheckpointing | undefined> {
    const job = this.job(jobId);
    if (job.checkpoints === undefined || job.checkpointConfig === undefined) return undefined;
    const backend = new Configuration(job.jobGraph.config).getString('state.backend.type') ?? 'hashmap';
    return { stats: job.checkpoints, config: job.checkpointConfig, stateBackend: backend };
  }
}
