import type {
  CheckpointTriggerSpec,
  JobExecutionResultSpec,
  JobGraphSpec,
  JobArtifact,
  JobStatus,
  SlotOffer,
  SerializedFailure,
  SlotReport,
  TaskCheckpointAck,
  TaskDeploymentDescriptor,
  TaskExecutionState,
  TaskIOMetrics,
  TaskManagerRegistration,
  TaskManagerStatus,
} from '@spindle/protocol';
import type { LogFileInfo } from '../logs/log-directory.js';
import type { ThreadDumpEntry } from '../metrics/thread-dump.js';

/**
 * The gateways of the three roles. Every method is asynchronous and takes and returns plain
 * data only, so that the same components run with the in-process transport (MiniCluster) and
 * across processes. Addresses are opaque strings resolved by the RpcService.
 */
export interface ResourceManagerGateway {
  registerTaskExecutor(registration: TaskManagerRegistration): Promise<{ registrationId: string }>;
  /** Asks for one slot for a job; the chosen TaskExecutor offers it to the JobMaster. */
  requestSlot(jobId: string, jobMasterAddress: string, allocationId: string): Promise<void>;
  cancelSlotRequest(allocationId: string): Promise<void>;
  /** A TaskExecutor freed a slot. */
  notifySlotAvailable(resourceId: string, slotIndex: number, allocationId: string): Promise<void>;
  sendSlotReport(report: SlotReport): Promise<void>;
  requestResourceOverview(): Promise<ResourceOverview>;
  /**
   * Every `heartbeat.interval`, with the TaskManager's status (memory, event-loop lag; Flink
   * sends its metrics apart, Spindle with the heartbeat); fails with UNKNOWN_TASK_MANAGER when
   * the TaskManager must register again.
   */
  heartbeatFromTaskManager(resourceId: string, report: SlotReport, status?: TaskManagerStatus): Promise<void>;
  disconnectTaskManager(resourceId: string, cause: string): Promise<void>;
  /** The log files of a registered TaskManager; UNKNOWN_TASK_MANAGER otherwise. */
  requestTaskManagerLogList(resourceId: string): Promise<TaskManagerLogs>;
  /** A part of a log file of a registered TaskManager (see TaskExecutorGateway.requestLogFile). */
  requestTaskManagerLogFile(resourceId: string, name: string, offset: number, length: number): Promise<LogFileChunk>;
}

/** The files of a process's log directory, and which of them is the process's own log. */
export interface TaskManagerLogs {
  files: LogFileInfo[];
  mainFile?: string;
}

export interface LogFileChunk {
  data: Uint8Array;
  /** The file's whole size when read. */
  size: number;
}

export interface ResourceOverview {
  numberTaskManagers: number;
  numberRegisteredSlots: number;
  numberFreeSlots: number;
  taskManagers: Array<TaskManagerRegistration & { freeSlots: number; status?: TaskManagerStatus }>;
}

export interface JobMasterGateway {
  /** Returns the offers the JobMaster accepted; the TaskExecutor frees the others. */
  offerSlots(resourceId: string, taskExecutorAddress: string, offers: SlotOffer[]): Promise<SlotOffer[]>;
  updateTaskExecutionState(state: TaskExecutionState): Promise<void>;
  /** Every `heartbeat.interval` from each TaskManager that holds slots of the job. */
  heartbeatFromTaskManager(resourceId: string, payload?: TaskManagerHeartbeatPayload): Promise<void>;
  /**
   * The ResourceManager saw the TaskManager's process end: its tasks fail (and the job fails
   * over) without waiting for `heartbeat.timeout`. Ignored for a TaskManager the job does not use.
   */
  disconnectTaskManager(resourceId: string, cause: string): Promise<void>;
  /** A task took its part of a checkpoint and wrote its state (the handles say where). */
  acknowledgeCheckpoint(jobId: string, executionAttemptId: string, checkpointId: number, ack: TaskCheckpointAck): Promise<void>;
  /** A task could not take its part of a checkpoint (its state could not be written): the checkpoint fails. */
  declineCheckpoint(jobId: string, executionAttemptId: string, checkpointId: number, failure: SerializedFailure): Promise<void>;
}

/** What a TaskManager reports with its heartbeat to a JobMaster: live metrics of its tasks. */
export interface TaskManagerHeartbeatPayload {
  metrics: Record<string, TaskIOMetrics>;
}

export interface TaskExecutorGateway {
  requestSlot(slotIndex: number, jobId: string, allocationId: string, jobMasterAddress: string): Promise<void>;
  submitTask(tdd: TaskDeploymentDescriptor): Promise<void>;
  cancelTask(executionAttemptId: string): Promise<void>;
  freeSlot(allocationId: string, cause: string): Promise<void>;
  /** The files of the TaskManager's log directory (`env.log.dir`). */
  requestLogList(): Promise<TaskManagerLogs>;
  /** The TaskManager's threads: its main thread and each slot's worker thread, with the tasks in it and its stack. */
  requestThreadDump(): Promise<ThreadDumpEntry[]>;
  /**
   * Up to `length` bytes of one of those files from `offset`: only regular files directly in the
   * log directory; anything else rejects with LOG_FILE_NOT_FOUND.
   */
  requestLogFile(name: string, offset: number, length: number): Promise<LogFileChunk>;
  /** Starts a checkpoint at a task (a source, or a task whose producers all finished); it answers the JobMaster. */
  triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): Promise<void>;
  /** The checkpoint completed: the task's operators commit what it covers. */
  confirmCheckpoint(executionAttemptId: string, checkpointId: number): Promise<void>;
  /** The checkpoint was aborted: the task stops aligning for it and its operators hear so. */
  abortCheckpoint(executionAttemptId: string, checkpointId: number): Promise<void>;
  /**
   * The JobMaster's partition tracker: these BLOCKING partitions of the job (held here since their
   * producers finished) are no longer needed; their files are deleted. Unknown ids are ignored.
   */
  releasePartitions(jobId: string, partitionIds: string[]): Promise<void>;
}

export interface JobDetailsSummary {
  jobId: string;
  name: string;
  status: JobStatus;
  startTime: number;
  endTime: number;
}

export interface DispatcherGateway {
  submitJob(jobGraph: JobGraphSpec, artifact: JobArtifact): Promise<void>;
  cancelJob(jobId: string): Promise<void>;
  requestJobStatus(jobId: string): Promise<JobStatus>;
  requestJobResult(jobId: string): Promise<JobExecutionResultSpec>;
  listJobs(): Promise<JobDetailsSummary[]>;
}
