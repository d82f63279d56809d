import type { OperatorStateStore } from '@spindle/runtime/task';

/** Handed to `CheckpointedFunction.initializeState` (Flink's FunctionInitializationContext). */
export interface FunctionInitializationContext {
  /** True when the state is restored from a checkpoint, false on a fresh start. */
  isRestored(): boolean;
  /** Non-keyed list and union list state of this subtask. */
  getOperatorStateStore(): Pick<OperatorStateStore, 'getListState' | 'getUnionListState'>;
}

/** Handed to `CheckpointedFunction.snapshotState` (Flink's FunctionSnapshotContext). */
export interface FunctionSnapshotContext {
  getCheckpointId(): number;
  getCheckpointTimestamp(): number;
}

/**
 * A function with operator (non-keyed) state (Flink's CheckpointedFunction): `initializeState`
 * runs before `open` and gets (restored) list states from the operator state store; `snapshotState`
 * runs on a checkpoint and writes the function's current data into them.
 */
export interface CheckpointedFunction {
  initializeState(context: FunctionInitializationContext): void | Promise<void>;
  snapshotState(context: FunctionSnapshotContext): void | Promise<void>;
}

export function isCheckpointedFunction(fn: unknown): fn is CheckpointedFunction {
  const f = fn as Partial<CheckpointedFunction> | null;
  return typeof f === 'object' && f !== null && typeof f.initializeState === 'function' && typeof f.snapshotState === 'function';
}

/**
 * A function that hears when checkpoints complete or are aborted (Flink's CheckpointListener):
 * called on the task's thread between records. A function commits the side effects a completed
 * checkpoint covers in `notifyCheckpointComplete`; a later completion subsumes an earlier one
 * whose notification was lost.
 */
export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}

export function isCheckpointListener(fn: unknown): fn is CheckpointListener {
  const f = fn as Partial<CheckpointListener> | null;
  return typeof f === 'object' && f !== null && typeof f.notifyCheckpointComplete === 'function';
}
