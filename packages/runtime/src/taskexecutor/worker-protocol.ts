import type { MessagePort } from 'node:worker_threads';
import type { BlockingPartitionMeta } from '../network/blocking-partition-file.js';
import type {
  CheckpointTriggerSpec,
  SerializedFailure,
  TaskCheckpointAck,
  TaskDeploymentDescriptor,
  TaskExecutionState,
  TaskIOMetrics,
  ThreadStatus,
} from '@spindle/protocol';

/** Messages between a TaskExecutor and the worker thread of one of its slots. */
export type ToSlotWorker =
  | { type: 'deploy'; tdd: TaskDeploymentDescriptor }
  | { type: 'cancel'; executionAttemptId: string }
  | { type: 'trigger-checkpoint'; executionAttemptId: string; trigger: CheckpointTriggerSpec }
  | { type: 'checkpoint-complete'; executionAttemptId: string; checkpointId: number }
  | { type: 'checkpoint-aborted'; executionAttemptId: string; checkpointId: number }
  | { type: 'metrics'; requestId: number }
  | { type: 'serve'; partitionId: string; subpartition: number; port: MessagePort }
  | { type: 'connected'; requestId: number; port?: MessagePort };

export type FromSlotWorker =
  | { type: 'state'; state: TaskExecutionState }
  | { type: 'checkpoint-ack'; executionAttemptId: string; checkpointId: number; ack: TaskCheckpointAck }
  | { type: 'checkpoint-decline'; executionAttemptId: string; checkpointId: number; failure: SerializedFailure }
  | { type: 'metrics'; requestId: number; metrics: Record<string, TaskIOMetrics>; thread: ThreadStatus }
  | { type: 'announce'; partitionId: string }
  | { type: 'withdraw'; partitionId: string }
  /** A BLOCKING partition is complete; the TaskExecutor takes it over (sent before the task reports FINISHED). */
  | { type: 'announce-blocking'; partition: BlockingPartitionMeta }
  | { type: 'request'; requestId: number; partitionId: string; subpartition: number; location?: string }
  /** The consumer of a request still waiting was cancelled: forget the request. */
  | { type: 'abandon'; requestId: number };

export interface SlotWorkerData {
  slotIndex: number;
  jobId: string;
  config: Record<string, string>;
  /** The slot's managed memory in bytes, shared by the memory-using operators of its tasks. */
  managedMemory: number;
  /** The TaskExecutor's directories for BLOCKING partitions. */
  blockingDirectories: string[];
}
