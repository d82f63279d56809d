import { randomUUID } from 'node:crypto';
import { randomHexId } from '@spindle/core';
import { isGloballyTerminal, type JobStatus } from '@spindle/protocol';
import type {
  ClusterOverview,
  ClusterView,
  ConfigEntry,
  ExceptionHistory,
  JarRunRequest,
  JobDetails,
  JobResult,
  JobSummary,
  JobSubmission,
  TaskManagerInfo,
  UploadedJar,
  VersionInfo,
} from '../cluster-view.js';
import { JarNotFoundError, JobNotFoundError, JobTerminatedWithoutCancellationError } from '../errors.js';
import { sampleJobDetails } from './sample-data.js';

export interface TestingJob {
  details: JobDetails;
  result?: JobResult;
  exceptions: ExceptionHistory;
  metrics?: Record<string, string>;
}

/**
 * A ClusterView over data the test sets: jobs, TaskManagers, uploads and configuration. It
 * behaves like a cluster (cancel moves a job to CANCELLING, running a jar adds a job) and
 * records what was asked of it, so tests assert end states rather than calls.
 */
export class TestingClusterView implements ClusterView {
  version: VersionInfo = { version: '0.1.0', revision: 'testing' };
  slots = { total: 4, available: 2 };
  readonly jobs = new Map<string, TestingJob>();
  taskManagerInfos: TaskManagerInfo[] = [];
  configEntries: ConfigEntry[] = [];
  readonly jars = new Map<string, UploadedJar & { bytes: Uint8Array }>();
  readonly runs: Array<{ jarId: string; request: JarRunRequest; jobId: string }> = [];
  shutdownRequested = false;
  /** When set, every call rejects with it (to exercise the server's handling of unexpected errors). */
  failure: Error | undefined;

  addJob(overrides: Partial<JobDetails> = {}, extra: Partial<Omit<TestingJob, 'details'>> = {}): TestingJob {
    const job: TestingJob = { details: sampleJobDetails(overrides), exceptions: { entries: [], truncated: false }, ...extra };
    this.jobs.set(job.details.jobId, job);
    return job;
  }

  /** Ends a job with `status`, filling in its result. */
  finishJob(jobId: string, status: JobStatus, endTime = this.job(jobId).details.startTime + 5000): TestingJob {
    const job = this.job(jobId);
    job.details.status = status;
    job.details.endTime = endTime;
    job.details.timestamps[status] = endTime;
    job.result = { jobId, name: job.details.name, status, netRuntimeMs: endTime - job.details.startTime, accumulators: {} };
    return job;
  }

  async versionInfo(): Promise<VersionInfo> {
    return this.check(this.version);
  }

  async overview(): Promise<ClusterOverview> {
    const jobsPerStatus: Partial<Record<JobStatus, number>> = {};
    for (const { details } of this.jobs.values()) jobsPerStatus[details.status] = (jobsPerStatus[details.status] ?? 0) + 1;
    return this.check({
      taskManagers: this.taskManagerInfos.length,
      slotsTotal: this.slots.total,
      slotsAvailable: this.slots.available,
      jobsPerStatus,
    });
  }

  async listJobs(): Promise<JobSummary[]> {
    return this.check(
      [...this.jobs.values()].map(({ details: d }) => ({
        jobId: d.jobId,
        name: d.name,
        status: d.status,
        startTime: d.startTime,
        endTime: d.endTime,
        lastModification: d.lastModification,
        tasksPerState: { ...d.tasksPerState },
      })),
    );
  }

  async jobDetails(jobId: string): Promise<JobDetails> {
    return this.check(structuredClone(this.job(jobId).details));
  }

  async jobStatus(jobId: string): Promise<JobStatus> {
    return this.check(this.job(jobId).details.status);
  }

  async jobResult(jobId: string): Promise<JobResult | undefined> {
    return this.check(this.job(jobId).result);
  }

  async exceptionHistory(jobId: string): Promise<ExceptionHistory> {
    return this.check(structuredClone(this.job(jobId).exceptions));
  }

  async jobMetrics(jobId: string): Promise<Record<string, string>> {
    return this.check({ numRestarts: '0', ...this.job(jobId).metrics });
  }

  async cancelJob(jobId: string): Promise<void> {
    const job = this.check(this.job(jobId));
    const status = job.details.status;
    if (status === 'CANCELED') return;
    if (isGloballyTerminal(status) || status === 'SUSPENDED') throw new JobTerminatedWithoutCancellationError(jobId, status);
    job.details.status = 'CANCELLING';
    for (const v of job.details.vertices) {
      v.tasksPerState.CANCELING += v.tasksPerState.RUNNING;
      v.tasksPerState.RUNNING = 0;
      v.status = 'CANCELING';
    }
  }

  async taskManagers(): Promise<TaskManagerInfo[]> {
    return this.check(this.taskManagerInfos.map((tm) => ({ ...tm })));
  }

  /** Jobs submitted through `POST /jobs`, in order. */
  readonly submissions: JobSubmission[] = [];

  async submitJob(submission: JobSubmission): Promise<string> {
    this.check(undefined);
    const graph = submission.jobGraph as { jobId?: unknown; name?: unknown };
    const jobId = typeof graph.jobId === 'string' ? graph.jobId : randomHexId();
    this.submissions.push(submission);
    this.addJob({ jobId, name: typeof graph.name === 'string' ? graph.name : 'job' });
    return jobId;
  }

  async uploadJar(fileName: string, bytes: Uint8Array): Promise<UploadedJar> {
    this.check(undefined);
    const id = `${randomUUID()}_${fileName}`;
    const jar = {
      id,
      name: fileName,
      path: `/tmp/spindle-web-upload/${id}`,
      uploaded: Date.now(),
      entries: [],
      bytes: Uint8Array.from(bytes),
    };
    this.jars.set(id, jar);
    return { id: jar.id, name: jar.name, path: jar.path, uploaded: jar.uploaded, entries: jar.entries };
  }

  async listJars(): Promise<UploadedJar[]> {
    return this.check([...this.jars.values()].map(({ bytes: _bytes, ...jar }) => jar));
  }

  async deleteJar(jarId: string): Promise<void> {
    this.check(undefined);
    if (!this.jars.delete(jarId)) throw new JarNotFoundError(jarId);
  }

  async runJar(jarId: string, request: JarRunRequest): Promise<string> {
    this.check(undefined);
    const jar = this.jars.get(jarId);
    if (!jar) throw new JarNotFoundError(jarId);
    const jobId = request.jobId ?? randomHexId();
    this.addJob({ jobId, name: jar.name });
    this.runs.push({ jarId, request, jobId });
    return jobId;
  }

  async shutdownCluster(): Promise<void> {
    this.check(undefined);
    this.shutdownRequested = true;
  }

  async configuration(): Promise<ConfigEntry[]> {
    return this.check(this.configEntries.map((e) => ({ ...e })));
  }

  private job(jobId: string): TestingJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  private check<T>(value: T): T {
    if (this.failure) throw this.failure;
    return value;
  }
}
