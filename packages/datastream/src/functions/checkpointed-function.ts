import type { OperatorStateStore } from '@spindle/runtime/in-process';

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
