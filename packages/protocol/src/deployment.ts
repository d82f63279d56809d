import type { ExecutionState } from './states.js';
import type { TaskRestoreSpec } from './checkpoints.js';
import type { JobGraphSpec, PartitionerKind, ResultPartitionType, SerializerSpec } from './job-graph.js';

/** Everything that goes wrong crosses process and thread boundaries in this form. */
export interface SerializedFailure {
  name: string;
  message: string;
  code: string;
  recoverability: 'recoverable' | 'non-recoverable' | 'environment' | 'partition-data-missing';
  userFacing: boolean;
  stack?: string;
  cause?: SerializedFailure;
}

/** One partition produced by one execution attempt: `<dataSetId>#<subtask>#<attemptId>`. */
export function resultPartitionId(dataSetId: string, producerSubtask: number, attemptId: string): string {
  return `${dataSetId}#${producerSubtask}#${attemptId}`;
}

export interface InputChannelSpec {
  partitionId: string;
  producerSubtask: number;
  /** ResourceID of the TaskManager that hosts the producer. */
  producerLocation: string;
}

export interface InputGateSpec {
  dataSetId: string;
  inputIndex: number;
  /** The subpartition of every producer partition that this consumer reads. */
  consumedSubpartition: number;
  channels: InputChannelSpec[];
  serializer: SerializerSpec;
}

export interface ResultPartitionSpec {
  dataSetId: string;
  partitionId: string;
  numSubpartitions: number;
  partitioner: PartitionerKind;
  resultType: ResultPartitionType;
  serializer: SerializerSpec;
}

/** Where a TaskManager finds the job's code. */
export interface JobArtifact {
  /** Path of the bundled program on a file system the TaskManager can read. */
  bundlePath: string;
  /** Key of the bundle in the JobManager's blob store; TaskManagers fetch it once when set. */
  blobKey?: string;
  /** Arguments the program's main receives. */
  args: string[];
  /** The exported function that is the program's main (a run request's `entryClass`); `main` or the default export when absent. */
  entryPoint?: string;
}

export interface TaskDeploymentDescriptor {
  jobId: string;
  jobName: string;
  executionAttemptId: string;
  allocationId: string;
  vertexId: string;
  subtaskIndex: number;
  attemptNumber: number;
  /** The whole graph: the worker rebuilds the program's graph and compares hashes. */
  jobGraph: JobGraphSpec;
  artifact: JobArtifact;
  inputGates: InputGateSpec[];
  producedPartitions: ResultPartitionSpec[];
  /** Effective configuration for the task (cluster config overlaid with the job's). */
  config: Record<string, string>;
  /** The state of a completed checkpoint the task starts from; absent for a fresh start. */
  restore?: TaskRestoreSpec;
}

/** I/O counters of one task, the source of REST `vertices[].metrics`. */
export interface TaskIOMetrics {
  numRecordsIn: number;
  numRecordsOut: number;
  numBytesIn: number;
  numBytesOut: number;
  accumulatedBackPressuredTimeMs: number;
  accumulatedBusyTimeMs: number;
  accumulatedIdleTimeMs: number;
  /**
   * Event time (Flink's task metrics of the same names): the combined watermark of the task's
   * inputs and the last watermark its chain emitted, as Flink renders them: a decimal 64-bit
   * integer, `-9223372036854775808` (Long.MIN_VALUE) before the first watermark and
   * `9223372036854775807` (Long.MAX_VALUE) once event time ended. Strings keep the value exact
   * and JSON-able.
   */
  currentInputWatermark: string;
  currentOutputWatermark: string;
}

export interface TaskExecutionState {
  jobId: string;
  executionAttemptId: string;
  state: ExecutionState;
  failure?: SerializedFailure;
  /** Accumulator results reported when the task finishes. */
  accumulators?: Record<string, unknown>;
  metrics?: TaskIOMetrics;
}

export interface SlotStatus {
  slotIndex: number;
  allocationId?: string;
  jobId?: string;
}

export interface SlotReport {
  resourceId: string;
  slots: SlotStatus[];
}

export interface TaskManagerRegistration {
  resourceId: string;
  address: string;
  dataPort: number;
  numberOfSlots: number;
  hardware: { cpuCores: number; physicalMemory: number };
}

export interface SlotOffer {
  allocationId: string;
  slotIndex: number;
  /** host:port of the offering TaskManager's data plane, when it has one. */
  dataAddress?: string;
}

export interface JobExecutionResultSpec {
  jobId: string;
  jobName: string;
  status: 'FINISHED' | 'FAILED' | 'CANCELED' | 'SUSPENDED';
  netRuntimeMs: number;
  accumulators: Record<string, unknown>;
  failure?: SerializedFailure;
}
