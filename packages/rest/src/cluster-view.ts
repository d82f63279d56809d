import type { ExecutionState, JobStatus, RuntimeMode, SerializedFailure, TaskIOMetrics, TaskManagerStatus } from '@spindle/protocol';
import type { ArchivedJob, LogFileChunk, LogFileInfo, MetricValues, TaskManagerLogs } from '@spindle/runtime';

/**
 * What the REST layer reads from (and asks of) a cluster. Every method returns plain data in
 * Spindle's own names; the REST handlers turn it into Flink's wire format, so an
 * implementation never deals with JSON field names.
 *
 * Contract:
 * - Called by the RestServer, once per request, possibly concurrently; implementations must not
 *   assume any ordering between calls.
 * - Job ids are 32 lowercase hexadecimal characters (the server validates them first). A job
 *   the cluster does not know rejects with `JobNotFoundError`.
 * - Times are milliseconds since the epoch; -1 means "not reached" (Flink's convention).
 * - Metrics come as `MetricValues` under Flink's metric names (`numRegisteredTaskManagers`,
 *   `Status.JVM.Memory.Heap.Used`, ...); task metrics come with each subtask (`SubtaskInfo`).
 * - Not in the contract: checkpoints, savepoints.
 */
export interface ClusterView {
  versionInfo(): Promise<VersionInfo>;
  overview(): Promise<ClusterOverview>;
  listJobs(): Promise<JobSummary[]>;
  jobDetails(jobId: string): Promise<JobDetails>;
  jobStatus(jobId: string): Promise<JobStatus>;
  /** The final result, or undefined while the job has not reached a terminal state. */
  jobResult(jobId: string): Promise<JobResult | undefined>;
  /** Failures of the job, newest first, at most the cluster's history size. */
  exceptionHistory(jobId: string): Promise<ExceptionHistory>;
  /**
   * Starts cancelling a job and resolves without waiting for it to end. Resolves for a job that
   * is already CANCELED; rejects with `JobTerminatedWithoutCancellationError` for a job that
   * ended otherwise (FINISHED, FAILED).
   */
  cancelJob(jobId: string): Promise<void>;
  /**
   * A heartbeat of a job's attached client (`execution.shutdown-on-attached-exit`): the job is
   * not cancelled for want of heartbeats before `expiredTimestamp` (ms). Rejects for unknown jobs.
   */
  reportClientHeartbeat(jobId: string, expiredTimestamp: number): Promise<void>;
  taskManagers(): Promise<TaskManagerInfo[]>;
  /**
   * Submits a job built by a client (Flink's `POST /jobs`): the JobGraph's JSON and the program
   * bundle its operators come from. Resolves with the job id once submitted.
   */
  submitJob(submission: JobSubmission): Promise<string>;
  /** Stores an uploaded program; the returned id names it in `runJar` and `deleteJar`. */
  uploadJar(fileName: string, bytes: Uint8Array): Promise<UploadedJar>;
  listJars(): Promise<UploadedJar[]>;
  /** Rejects with `JarNotFoundError` for an unknown id. */
  deleteJar(jarId: string): Promise<void>;
  /** Runs an uploaded program; resolves with the id of the job it submitted. */
  runJar(jarId: string, request: JarRunRequest): Promise<string>;
  /**
   * Starts shutting the cluster down and resolves before the shutdown completes, so that the
   * caller can still answer the request that asked for it.
   */
  shutdownCluster(): Promise<void>;
  /** The effective cluster configuration; secrets are masked by the REST layer. */
  configuration(): Promise<ConfigEntry[]>;
  /** What this cluster can do beyond the basics (whether it runs uploaded programs). */
  capabilities(): Promise<ClusterCapabilities>;

  /** The current (latest) attempt of every subtask of a job, with where it runs and its task metrics. */
  jobSubtasks(jobId: string): Promise<SubtaskInfo[]>;
  jobConfig(jobId: string): Promise<JobConfig>;
  /** User accumulators of the job, merged over its subtasks. */
  jobAccumulators(jobId: string): Promise<Record<string, unknown>>;
  /**
   * The job's JobManager-scope metrics by Flink's ids: `numRestarts`, `uptime`, `runningTime`,
   * `<state>State`, ..., and with checkpointing on the checkpoint counts and the latest checkpoint.
   */
  jobMetrics(jobId: string): Promise<MetricValues>;
  /** The JobManager's metrics (`numRegisteredTaskManagers`, `taskSlotsTotal`, `Status.*`). */
  jobManagerMetrics(): Promise<MetricValues>;
  /** Rejects with `TaskManagerNotFoundError` for an unknown id (as do the other TaskManager calls). */
  taskManagerDetails(taskManagerId: string): Promise<TaskManagerDetails>;
  taskManagerMetrics(taskManagerId: string): Promise<MetricValues>;
  taskManagerLogs(taskManagerId: string): Promise<TaskManagerLogs>;
  /** Part of a TaskManager's log file; rejects with LOG_FILE_NOT_FOUND for anything but a file of its log directory. */
  taskManagerLogFile(taskManagerId: string, name: string, offset: number, length: number): Promise<LogFileChunk>;
  jobManagerLogs(): Promise<TaskManagerLogs>;
  jobManagerLogFile(name: string, offset: number, length: number): Promise<LogFileChunk>;
  /** The JobManager process: runtime version, architecture, options and module paths. */
  environment(): Promise<EnvironmentInfo>;
  /** The JobManager's threads (main and workers) and where each is now. */
  threadDump(): Promise<ThreadInfo[]>;
  /** A TaskManager's threads: its main thread and each slot's worker thread, with the tasks in it and where it is now. */
  taskManagerThreadDump(taskManagerId: string): Promise<ThreadInfo[]>;
  /** Runs an uploaded program's main in plan mode, without submitting the job it builds. */
  planJar(jarId: string, request: JarRunRequest): Promise<JobPlan>;
  /**
   * Takes a savepoint of a running job and resolves with its path once it completed (rejects
   * when it failed). `stop` stops the job after it (stop-with-savepoint), `cancel` cancels it,
   * `drain` has the sources emit MAX_WATERMARK first. Without a target directory the cluster's
   * `execution.checkpointing.savepoint-dir` is used. Optional: without it, savepoints answer 501.
   */
  triggerSavepoint?(jobId: string, request: SavepointRequest): Promise<string>;
  /**
   * Deletes the savepoint (or retained checkpoint) at `path`, its directory or its `_metadata`
   * file; rejects, deleting nothing, when no readable `_metadata` is there. Optional: without it,
   * disposal answers 501.
   */
  disposeSavepoint?(path: string): Promise<void>;
  /**
   * Takes a checkpoint of a running job now and resolves with its id once it completed (rejects
   * when it could not be taken or failed). Optional: without it, checkpoint triggers answer 501.
   */
  triggerCheckpoint?(jobId: string): Promise<number>;
  /**
   * The checkpoint statistics and settings of a job; undefined for a job that takes no
   * checkpoints (BATCH). Optional: without it, checkpoint statistics answer 404.
   */
  checkpointing?(jobId: string): Promise<JobCheckpointing | undefined>;
}

export interface ClusterCapabilities {
  /** Uploaded programs can be run (`/jars`). */
  jars: boolean;
}

/** One attempt of one subtask. */
export interface SubtaskInfo {
  vertexId: string;
  subtaskIndex: number;
  attemptNumber: number;
  state: ExecutionState;
  /** When the attempt entered each state it has been in. */
  timestamps: Partial<Record<ExecutionState, number>>;
  /** The TaskManager it was deployed to, or null. */
  taskManagerId: string | null;
  /** Host of that TaskManager's data plane, or null. */
  host: string | null;
  /** Its last reported task metrics; absent before the first report. */
  metrics?: TaskIOMetrics;
  /** Where its data plane listens (Flink's `endpoint`, host:port), or null before deployment. */
  endpoint?: string | null;
  /** The user accumulators it reported when it finished (numbers, lists); absent before. */
  accumulators?: Record<string, unknown>;
}

export interface JobConfig {
  jobId: string;
  name: string;
  runtimeMode: RuntimeMode;
  /** The job's default parallelism, or -1 when it set none. */
  parallelism: number;
  /** The job's own configuration entries. */
  config: Record<string, string>;
  /** Its restart strategy as Flink describes it (`Restart deactivated.`, `Restart with fixed delay ...`). */
  restartStrategy: string;
}

export interface TaskManagerDetails extends TaskManagerInfo {
  /** Slots allocated to jobs. */
  allocatedSlots: Array<{ jobId: string; slotIndex: number }>;
  /** The status of its last heartbeat; absent before the first. */
  status?: TaskManagerStatus;
  /** Port of its Prometheus endpoint, when it serves one. */
  metricsPort?: number;
}

export interface EnvironmentInfo {
  runtime: { version: string; arch: string; options: string[] };
  /** Directories modules are loaded from (Flink's classpath). */
  modulePaths: string[];
}

export interface ThreadInfo {
  name: string;
  /** The thread's stack as a Java thread dump shows it. */
  stack: string;
}

/** A job's checkpoint statistics and settings, as the JobMaster keeps them. */
export interface JobCheckpointing {
  stats: NonNullable<ArchivedJob['checkpoints']>;
  config: NonNullable<ArchivedJob['checkpointConfig']>;
  stateBackend: string;
}

export interface SavepointRequest {
  targetDirectory?: string;
  cancel?: boolean;
  stop?: boolean;
  drain?: boolean;
}

export interface VersionInfo {
  version: string;
  /** Source revision (commit id) of the build, or 'unknown'. */
  revision: string;
}

export interface ClusterOverview {
  taskManagers: number;
  slotsTotal: number;
  slotsAvailable: number;
  /** Number of jobs in each status; absent statuses count 0. */
  jobsPerStatus: Partial<Record<JobStatus, number>>;
}

export type ExecutionStateCounts = Record<ExecutionState, number>;

export interface JobSummary {
  jobId: string;
  name: string;
  status: JobStatus;
  /** When the job entered INITIALIZING. */
  startTime: number;
  /** When the job reached a globally terminal status, else -1. */
  endTime: number;
  /** The latest state change of the job or any of its tasks. */
  lastModification: number;
  /** Current state of every task (subtask), counted by state. */
  tasksPerState: ExecutionStateCounts;
}

export interface JobDetails extends JobSummary {
  jobType: RuntimeMode;
  /** The job's configured max parallelism, or -1 when not set. */
  maxParallelism: number;
  isStoppable: boolean;
  /** When the job entered each status it has been in. */
  timestamps: Partial<Record<JobStatus, number>>;
  vertices: JobVertexDetails[];
  plan: JobPlan;
  /**
   * Spindle's own: set while the job is RUNNING with its tasks SCHEDULED because the cluster
   * lacks slots (slots needed in all, still missing, free in the cluster).
   */
  slotWait?: { needed: number; missing: number; free: number };
}

export interface JobVertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  slotSharingGroup: string;
  /** Aggregate state of the vertex's subtasks. */
  status: ExecutionState;
  /** Earliest deployment of a subtask, or -1. */
  startTime: number;
  /** Latest terminal transition once every subtask is terminal, else -1. */
  endTime: number;
  tasksPerState: ExecutionStateCounts;
  metrics: VertexIOMetrics;
}

/** I/O counters summed over a vertex's subtasks. */
export interface VertexIOMetrics {
  bytesIn: number;
  bytesOut: number;
  recordsIn: number;
  recordsOut: number;
  /** True when every subtask has reported its counters. */
  complete: boolean;
  accumulatedBackPressuredTimeMs: number;
  accumulatedIdleTimeMs: number;
  accumulatedBusyTimeMs: number;
  /**
   * The vertex's low watermarks: the lowest over its subtasks of Flink's task metrics
   * `currentInputWatermark` and `currentOutputWatermark` (-Infinity before the first watermark,
   * +Infinity once event time ended).
   */
  currentInputWatermark: number;
  currentOutputWatermark: number;
}

export interface JobPlan {
  jobId: string;
  name: string;
  type: RuntimeMode;
  nodes: JobPlanNode[];
}

export interface JobPlanNode {
  /** The job vertex id. */
  id: string;
  parallelism: number;
  operator: string;
  operatorStrategy: string;
  description: string;
  inputs: JobPlanInput[];
}

export interface JobPlanInput {
  num: number;
  /** The producing vertex id. */
  id: string;
  shipStrategy: string;
  /** Result partition type in lower case: pipelined_bounded, blocking. */
  exchange: string;
}

export interface JobResult {
  jobId: string;
  name: string;
  status: JobStatus;
  netRuntimeMs: number;
  accumulators: Record<string, unknown>;
  failure?: SerializedFailure;
}

export interface ExceptionInfo {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  /** The failed task ('Map (2/4)'), or null for a failure of the job as a whole. */
  taskName: string | null;
  /** Where the failed task ran (endpoint), or null. */
  location: string | null;
  taskManagerId: string | null;
  failureLabels: Record<string, string>;
}

export interface RootExceptionInfo extends ExceptionInfo {
  /** Failures that happened during the same failover as the root. */
  concurrentExceptions: ExceptionInfo[];
}

export interface ExceptionHistory {
  /** Newest first. */
  entries: RootExceptionInfo[];
  /** True when older entries were dropped. */
  truncated: boolean;
}

export interface TaskManagerInfo {
  id: string;
  /** The TaskManager's rpc address. */
  address: string;
  dataPort: number;
  jmxPort: number;
  /** When its last heartbeat arrived (Flink's `timeSinceLastHeartbeat` carries this timestamp). */
  lastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
  hardware: HardwareDescription;
}

export type { LogFileChunk, LogFileInfo, MetricValues, TaskManagerLogs };

export interface HardwareDescription {
  cpuCores: number;
  physicalMemory: number;
  freeMemory: number;
  managedMemory: number;
}

export interface UploadedJar {
  /** The stored file's base name, `<uuid>_<original name>`. */
  id: string;
  /** The name the client uploaded. */
  name: string;
  /** Where the file is stored. */
  path: string;
  /** Upload time. */
  uploaded: number;
  /** Entry points the program offers (Flink lists main classes here). */
  entries: Array<{ name: string; description: string | null }>;
}

export interface JarRunRequest {
  /** The export to run (Flink's main class); the program's default entry when absent. */
  entryClass?: string;
  programArgs: string[];
  parallelism?: number;
  /** A job id chosen by the client. */
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  restoreMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
  /** Configuration entries for the job. */
  flinkConfiguration: Record<string, string>;
}

export interface JobSubmission {
  /** The parsed JSON of the job graph file. */
  jobGraph: unknown;
  /** The program bundle (the job's single "jar"). */
  bundle: Uint8Array;
  programArgs: string[];
}

export interface ConfigEntry {
  key: string;
  value: string;
}
