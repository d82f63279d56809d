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
  /** The result partition that could not be read, for `partition-data-missing`. */
  partitionId?: string;
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
  /**
   * The directory of a BLOCKING partition published to a distributed file system
   * (`shuffle.blocking.storage`): the consumer reads it from there, not from the producer's TaskManager.
   */
  dfsDirectory?: string;
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

/**
 * I/O counters and rates of one task, measured by the task itself: the source of REST
 * `vertices[].metrics`, the task metrics (`numRecordsIn`, `busyTimeMsPerSecond`, ...) and their
 * Prometheus series.
 */
export interface TaskIOMetrics {
  numRecordsIn: number;
  numRecordsOut: number;
  numBytesIn: number;
  numBytesOut: number;
  accumulatedBackPressuredTimeMs: number;
  accumulatedBusyTimeMs: number;
  accumulatedIdleTimeMs: number;
  /**
   * Rates over the last few seconds (Flink's meters and time gauges): records and bytes per
   * second, and milliseconds per second spent busy, back-pressured (waiting for output buffers)
   * and idle (waiting for input). The three times add up to about 1000.
   */
  numRecordsInPerSecond: number;
  numRecordsOutPerSecond: number;
  numBytesInPerSecond: number;
  numBytesOutPerSecond: number;
  busyTimeMsPerSecond: number;
  backPressuredTimeMsPerSecond: number;
  idleTimeMsPerSecond: number;
  /**
   * Event time (Flink's task metrics of the same names): the combined watermark of the task's
   * inputs and the last watermark its chain emitted, as Flink renders them: a decimal 64-bit
   * integer, `-9223372036854775808` (Long.MIN_VALUE) before the first watermark and
   * `9223372036854775807` (Long.MAX_VALUE) once event time ended. Strings keep the value exact
   * and JSON-able.
   */
  currentInputWatermark: string;
  currentOutputWatermark: string;
  /**
   * Counters of the task's operators (Flink's operator scope, e.g. a window operator's
   * `numLateRecordsDropped`), by `<operator name>.<metric>`; absent when no operator has one.
   */
  operatorCounters?: Record<string, number>;
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
  /** Port of the TaskManager's Prometheus endpoint (`metrics.reporter.prom.port`), when it serves one. */
  metricsPort?: number;
}

/** One garbage collector of a thread's heap: collections and the time they took. */
export interface GarbageCollectorStats {
  name: string;
  count: number;
  timeMs: number;
}

/**
 * What one thread (its V8 isolate and event loop) measured over its last sampling window:
 * heap, event-loop lag (how late timers ran: the delay a task or RPC suffers) and GC.
 */
export interface ThreadStatus {
  heapUsed: number;
  heapCommitted: number;
  heapMax: number;
  eventLoopLagMeanMs: number;
  eventLoopLagMaxMs: number;
  eventLoopLagP99Ms: number;
  garbageCollectors: GarbageCollectorStats[];
}

/** A whole process: its main thread, and what only the process as a whole has. */
export interface ProcessStatus {
  /** When it was measured, ms since the epoch. */
  timestamp: number;
  main: ThreadStatus;
  /** Resident set size of the process, bytes. */
  rss: number;
  /** Memory of C++ objects bound to JavaScript objects, and of ArrayBuffers and Buffers (within `external`). */
  external: number;
  arrayBuffers: number;
  /** CPU time the process used since it started (all threads), ms. */
  cpuTimeMs: number;
  /** Share of the machine's CPU the process used over the last sampling window, 0..1. */
  cpuLoad: number;
  /** Free memory of the machine, bytes. */
  freeMemory: number;
}

/**
 * A TaskManager's status, sent with every heartbeat to the ResourceManager: the process, and
 * the thread of each slot that runs tasks (a worker thread with its own heap and event loop).
 */
export interface TaskManagerStatus extends ProcessStatus {
  slots: Array<{ slotIndex: number; thread: ThreadStatus }>;
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
