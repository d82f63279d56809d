import type { CheckpointTriggerSpec, TaskDeploymentDescriptor, TaskExecutionState, TaskIOMetrics, ThreadStatus } from '@spindle/protocol';
import type { CheckpointResponder } from '../tasks/subtask-checkpoint.js';

/** What a slot host reports on request: its tasks' metrics, and its thread's status when it has a thread of its own. */
export interface SlotMetrics {
  tasks: Record<string, TaskIOMetrics>;
  thread?: ThreadStatus;
}

/**
 * Where the tasks of one slot run: a worker thread of its own (the normal case), or the calling
 * thread (programs run straight from a test or script). The TaskExecutor calls it from its own
 * thread; `report` delivers the task's state changes in order.
 */
export interface SlotHost {
  /** Node's id of the worker thread the tasks run in; absent when they run on the calling thread. */
  readonly threadId?: number;
  /** `checkpoints` receives the task's checkpoint acknowledgements and declines. */
  deploy(tdd: TaskDeploymentDescriptor, report: (state: TaskExecutionState) => void, checkpoints: CheckpointResponder): void;
  cancel(executionAttemptId: string): void;
  /** Checkpoint calls for a task here; a task that is gone ignores them. */
  triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): void;
  notifyCheckpointComplete(executionAttemptId: string, checkpointId: number): void;
  notifyCheckpointAborted(executionAttemptId: string, checkpointId: number): void;
  /** Current I/O metrics of the running tasks, by execution attempt id, and the slot thread's status. */
  requestMetrics(): Promise<SlotMetrics>;
  /** Stops every task and frees the slot's resources (the worker thread). Idempotent. */
  close(): Promise<void>;
}

/** Creates the host of a slot when the first task of an allocation arrives. */
export type SlotHostFactory = (slotIndex: number, firstTask: TaskDeploymentDescriptor) => SlotHost;
