import { randomUUID } from 'node:crypto';
import { randomHexId } from '@spindle/core';
import { isGloballyTerminal, type JobStatus, type TaskManagerStatus } from '@spindle/protocol';
import { LogDirectory, processMetricValues, type LogFileChunk, type MetricValues, type TaskManagerLogs } from '@spindle/runtime';
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
  JobSubmission,
  SubtaskInfo,
  TaskManagerDetails,
  TaskManagerInfo,
  ThreadInfo,
  UploadedJar,
  VersionInfo,
} from '../cluster-view.js';
import { environment, threadDump } from '../components/process-views.js';
import { JarNotFoundError, JobNotFoundError, JobTerminatedWithoutCancellationError, TaskManagerNotFoundError } from '../errors.js';
import { sampleJobDetails, sampleSubtasks } from './sample-data.js';

export interface TestingJob {
  details: JobDetails;
  result?: JobResult;
  exceptions: ExceptionHistory;
  /** Its subtasks; by default one per parallel instance of each vertex, spread over the TaskManagers. */
  subtasks?: SubtaskInfo[];
  accumulators?: Record<string, unknown>;
  /** Its job-scope metrics; by default no restarts and whether it runs. */
  metrics?: MetricValues;
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
  /** Whether uploaded programs can run (`capabilities().jars`). */
  jarsEnabled = true;
  jobManagerLogDirectory = new LogDirectory(undefined);
  jobManagerMetricValues: MetricValues = { numRegisteredTaskManagers: 0, numRunningJobs: 0, taskSlotsAvailable: 2, taskSlotsTotal: 4 };
  /** Per TaskManager id: its log directory, last status and Prometheus port. */
  readonly taskManagerExtras = new Map<string, { logs?: LogDirectory; status?: TaskManagerStatus; metricsPort?: number }>();

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

  /** The client heartbeats received: job id → the latest expiredTimestamp. */
  readonly clientHeartbeats = new Map<string, number>();

  async reportClientHeartbeat(jobId: string, expiredTimestamp: number): Promise<void> {
    this.check(this.job(jobId));
    this.clientHeartbeats.set(jobId, expiredTimestamp);
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

  async capabilities(): Promise<ClusterCapabilities> {
    return this.check({ jars: this.jarsEnabled });
  }

  async jobSubtasks(jobId: string): Promise<SubtaskInfo[]> {
    const job = this.check(this.job(jobId));
    return structuredClone(job.subtasks ?? sampleSubtasks(job.details, this.taskManagerInfos));
  }

  async jobConfig(jobId: string): Promise<JobConfig> {
    const d = this.check(this.job(jobId)).details;
    return {
      jobId: d.jobId,
      name: d.name,
      runtimeMode: d.jobType,
      parallelism: 2,
      config: { 'parallelism.default': '2' },
      restartStrategy: 'Restart deactivated.',
    };
  }

  async jobAccumulators(jobId: string): Promise<Record<string, unknown>> {
    return { ...(this.check(this.job(jobId)).accumulators ?? {}) };
  }

  async jobMetrics(jobId: string): Promise<MetricValues> {
    const job = this.check(this.job(jobId));
    return { ...(job.metrics ?? { numRestarts: 0, runningState: job.details.status === 'RUNNING' ? 1 : 0 }) };
  }

  async jobManagerMetrics(): Promise<MetricValues> {
    return { ...this.check(this.jobManagerMetricValues) };
  }

  async taskManagerDetails(taskManagerId: string): Promise<TaskManagerDetails> {
    const tm = this.check(this.taskManagerInfos.find((t) => t.id === taskManagerId));
    if (!tm) throw new TaskManagerNotFoundError(taskManagerId);
    const extras = this.taskManagerExtras.get(taskManagerId) ?? {};
    const allocatedSlots = [...this.jobs.values()]
      .filter((j) => !isGloballyTerminal(j.details.status))
      .slice(0, tm.slotsNumber - tm.freeSlots)
      .map((j, slotIndex) => ({ jobId: j.details.jobId, slotIndex }));
    return {
      ...tm,
      allocatedSlots,
      ...(extras.status ? { status: extras.status } : {}),
      ...(extras.metricsPort !== undefined ? { metricsPort: extras.metricsPort } : {}),
    };
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
    return listLogs(await this.taskManagerLogDirectory(taskManagerId));
  }

  /** This process's threads, as a TaskManager that runs in it would show them. */
  async taskManagerThreadDump(taskManagerId: string): Promise<ThreadInfo[]> {
    await this.taskManagerDetails(taskManagerId);
    return threadDump();
  }

  async taskManagerLogFile(taskManagerId: string, name: string, offset: number, length: number): Promise<LogFileChunk> {
    return (await this.taskManagerLogDirectory(taskManagerId)).read(name, offset, length);
  }

  async jobManagerLogs(): Promise<TaskManagerLogs> {
    return listLogs(this.check(this.jobManagerLogDirectory));
  }

  async jobManagerLogFile(name: string, offset: number, length: number): Promise<LogFileChunk> {
    return this.check(this.jobManagerLogDirectory).read(name, offset, length);
  }

  async environment(): Promise<EnvironmentInfo> {
    return this.check(environment());
  }

  async threadDump(): Promise<ThreadInfo[]> {
    return this.check(threadDump());
  }

  async planJar(jarId: string, request: JarRunRequest): Promise<JobPlan> {
    this.check(undefined);
    const jar = this.jars.get(jarId);
    if (!jar) throw new JarNotFoundError(jarId);
    const plan = sampleJobDetails({ name: jar.name, ...(request.jobId ? { jobId: request.jobId } : {}) }).plan;
    if (request.parallelism !== undefined) for (const n of plan.nodes) n.parallelism = request.parallelism;
    return plan;
  }

  private async taskManagerLogDirectory(taskManagerId: string): Promise<LogDirectory> {
    await this.taskManagerDetails(taskManagerId);
    return this.taskManagerExtras.get(taskManagerId)?.logs ?? new LogDirectory(undefined);
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

async function listLogs(logs: LogDirectory): Promise<TaskManagerLogs> {
  const files = await logs.list();
  return logs.mainFile === undefined ? { files } : { files, mainFile: logs.mainFile };
}
