import {
  Configuration,
  CoreOptions,
  JobStoreOptions,
  SpindleError,
  getLogger,
  systemScheduler,
  type Cancellable,
  type Clock,
  type Scheduler,
} from '@spindle/core';
import { isGloballyTerminal, type JobArtifact, type JobExecutionResultSpec, type JobGraphSpec, type JobStatus } from '@spindle/protocol';
import { JobMaster } from '../jobmaster/job-master.js';
import type { ArchivedJob } from '../jobmaster/archived-job.js';
import type { DispatcherGateway, JobDetailsSummary, ResourceManagerGateway } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import type { BlobStore } from '../blob/blob-store.js';

export interface DispatcherOptions {
  /** The rpc address of a job's JobMaster. */
  jobMasterAddress?: (jobId: string) => string;
  blobStore?: BlobStore;
  /** The clock by which finished jobs expire (`jobstore.expiration-time`). */
  clock?: Clock;
  /** The timers of client heartbeat timeouts (`client.heartbeat.timeout`); the system's by default. */
  scheduler?: Scheduler;
}

/** A job whose attached client must keep sending heartbeats (`execution.shutdown-on-attached-exit`). */
interface ClientWatch {
  expiresAt: number;
  timer: Cancellable;
}

interface FinishedJob {
  archive: ArchivedJob;
  archivedAt: number;
}

/**
 * Accepts jobs and starts one JobMaster per job. When a job ends, its JobMaster is dropped and an
 * archive of the job (plain data) is kept for queries, at most `jobstore.max-capacity` of them
 * (the oldest go first), each for `jobstore.expiration-time` seconds. Expired archives are dropped
 * whenever the store is read or written, so no timer keeps a process alive.
 */
export class Dispatcher implements DispatcherGateway {
  private readonly jobs = new Map<string, JobMaster>();
  /** In the order the jobs ended. */
  private readonly finished = new Map<string, FinishedJob>();
  private readonly log = getLogger('dispatcher');
  private readonly clock: Clock;
  private readonly clientWatches = new Map<string, ClientWatch>();

  constructor(
    readonly address: string,
    private readonly config: Configuration,
    private readonly rpc: RpcService,
    private readonly resourceManagerAddress: string,
    private readonly options: DispatcherOptions = {},
  ) {
    this.clock = options.clock ?? systemScheduler;
  }

  start(): void {
    this.rpc.register(this.address, this);
  }

  close(): void {
    for (const watch of this.clientWatches.values()) watch.timer.cancel();
    this.clientWatches.clear();
    for (const jm of this.jobs.values()) jm.cancel();
    this.rpc.unregister(this.address);
  }

  async submitJob(jobGraph: JobGraphSpec, artifact: JobArtifact): Promise<void> {
    if (this.jobs.has(jobGraph.jobId) || this.finishedJob(jobGraph.jobId)) {
      throw new SpindleError(`job ${jobGraph.jobId} was already submitted`, { code: 'DUPLICATE_JOB', userFacing: true });
    }
    const config = this.config.clone();
    for (const [k, v] of Object.entries(jobGraph.config)) config.setString(k, v);
    const rm = this.rpc.connect<ResourceManagerGateway>(this.resourceManagerAddress);
    const address = this.options.jobMasterAddress?.(jobGraph.jobId) ?? `jobmaster/${jobGraph.jobId}`;
    const jm = new JobMaster(jobGraph, artifact, config, this.rpc, address, rm);
    this.jobs.set(jobGraph.jobId, jm);
    this.log.info('job submitted', { jobId: jobGraph.jobId, name: jobGraph.name });
    void jm.result.then((result) => this.archive(jm, result));
    jm.start();
    if (config.get(CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT))
      this.watchClient(jobGraph.jobId, config.get(CoreOptions.CLIENT_HEARTBEAT_TIMEOUT));
  }

  /**
   * A heartbeat of the job's attached client (`POST /jobs/:jobid/clientHeartbeat`): the job lives
   * on until `expiredTimestamp` (ms since the epoch) at least. Ignored for jobs no client watches.
   */
  async reportClientHeartbeat(jobId: string, expiredTimestamp: number): Promise<void> {
    this.job(jobId);
    const watch = this.clientWatches.get(jobId);
    if (watch !== undefined) watch.expiresAt = Math.max(watch.expiresAt, expiredTimestamp);
  }

  /** Cancels the job once its client's heartbeats stop for `timeoutMs` (Flink's client heartbeat check). */
  private watchClient(jobId: string, timeoutMs: number): void {
    const scheduler = this.options.scheduler ?? systemScheduler;
    const check = (): void => {
      const watch = this.clientWatches.get(jobId);
      if (watch === undefined) return;
      const left = watch.expiresAt - scheduler.now();
      if (left > 0) {
        watch.timer = scheduler.schedule(check, left);
        return;
      }
      this.clientWatches.delete(jobId);
      this.log.warn('the attached client sent no heartbeat in time; cancelling its job', { jobId, timeoutMs });
      this.jobs.get(jobId)?.cancel();
    };
    this.clientWatches.set(jobId, { expiresAt: scheduler.now() + timeoutMs, timer: scheduler.schedule(check, timeoutMs) });
  }

  async cancelJob(jobId: string): Promise<void> {
    if (this.finishedJob(jobId)) return;
    this.job(jobId).cancel();
  }

  /**
   * Takes a savepoint of a running job (see JobMaster.triggerSavepoint); resolves with its path
   * once it completed. A job that ended rejects.
   */
  async triggerSavepoint(
    jobId: string,
    targetDirectory: string | undefined,
    options: { stop?: boolean; cancel?: boolean; drain?: boolean } = {},
  ): Promise<string> {
    const ended = this.finishedJob(jobId);
    if (ended)
      throw new SpindleError(`Job ${jobId} is not running (${ended.status}): no savepoint can be taken.`, {
        code: 'SAVEPOINT_NOT_TRIGGERED',
        userFacing: true,
      });
    return this.job(jobId).triggerSavepoint(targetDirectory, options);
  }

  /** Takes a checkpoint of a running job now (see JobMaster.triggerCheckpoint); resolves with its id. */
  async triggerCheckpoint(jobId: string): Promise<number> {
    const ended = this.finishedJob(jobId);
    if (ended)
      throw new SpindleError(`Job ${jobId} is not running (${ended.status}): no checkpoint can be taken.`, {
        code: 'CHECKPOINT_NOT_TRIGGERED',
        userFacing: true,
      });
    return this.job(jobId).triggerCheckpoint();
  }

  async requestJobStatus(jobId: string): Promise<JobStatus> {
    return this.finishedJob(jobId)?.status ?? this.job(jobId).graph.status;
  }

  async requestJobResult(jobId: string): Promise<JobExecutionResultSpec> {
    const result = this.finishedJob(jobId)?.result;
    return result ?? this.job(jobId).result;
  }

  async listJobs(): Promise<JobDetailsSummary[]> {
    this.expire();
    const running = [...this.jobs.values()].map((jm) => summary(jm.archive()));
    const finished = [...this.finished.values()].map((f) => summary(f.archive));
    return [...running, ...finished];
  }

  /** Stores a job bundle; returns its key. */
  putBlob(content: Uint8Array): string {
    if (!this.options.blobStore) throw new SpindleError('this cluster has no blob store', { code: 'BLOB_NOT_FOUND' });
    return this.options.blobStore.put(content);
  }

  /** The JobMaster of a job that has not ended yet, for in-process observers. */
  jobMaster(jobId: string): JobMaster | undefined {
    return this.jobs.get(jobId);
  }

  /**
   * A job as plain data: a snapshot of a running job, or the archive of a finished one; undefined
   * for unknown jobs and finished jobs that were dropped. What the REST API reads.
   */
  archivedJob(jobId: string): ArchivedJob | undefined {
    return this.finishedJob(jobId) ?? this.jobs.get(jobId)?.archive();
  }

  private finishedJob(jobId: string): ArchivedJob | undefined {
    this.expire();
    return this.finished.get(jobId)?.archive;
  }

  /** Keeps the archive of an ended job and drops its JobMaster. */
  private archive(jm: JobMaster, result: JobExecutionResultSpec): void {
    this.clientWatches.get(jm.jobId)?.timer.cancel();
    this.clientWatches.delete(jm.jobId);
    this.finished.set(jm.jobId, { archive: { ...jm.archive(), result: structuredClone(result) }, archivedAt: this.clock.now() });
    this.jobs.delete(jm.jobId);
    const capacity = this.config.get(JobStoreOptions.MAX_CAPACITY);
    for (const jobId of this.finished.keys()) {
      if (this.finished.size <= capacity) break;
      this.finished.delete(jobId);
      this.log.info('finished job dropped', { jobId, reason: 'jobstore.max-capacity' });
    }
    this.expire();
  }

  private expire(): void {
    const cutoff = this.clock.now() - this.config.get(JobStoreOptions.EXPIRATION_TIME) * 1000;
    for (const [jobId, f] of this.finished) {
      if (f.archivedAt > cutoff) break;
      this.finished.delete(jobId);
    }
  }

  private job(jobId: string): JobMaster {
    const jm = this.jobs.get(jobId);
    if (!jm) throw new SpindleError(`Job ${jobId} not found`, { code: 'JOB_NOT_FOUND', userFacing: true });
    return jm;
  }
}

function summary(job: ArchivedJob): JobDetailsSummary {
  const ts = job.timestamps;
  return {
    jobId: job.jobId,
    name: job.name,
    status: job.status,
    startTime: ts.INITIALIZING ?? -1,
    endTime: isGloballyTerminal(job.status) ? (ts[job.status] ?? -1) : -1,
  };
}
