/**
 * What crosses the wire about checkpoints: triggers (JobMaster → TaskExecutor → task),
 * acknowledgements with state handles (task → JobMaster), and the state a redeployed task restores.
 */

/** Flink's CheckpointType, as the barrier carries it. */
export type CheckpointKind = 'CHECKPOINT' | 'SAVEPOINT_CANONICAL' | 'SAVEPOINT_NATIVE';

/** What the JobMaster sends with a trigger; the task puts it on its barriers. */
export interface CheckpointTriggerSpec {
  checkpointId: number;
  timestamp: number;
  kind: CheckpointKind;
  /** EXACTLY_ONCE tasks align barriers; AT_LEAST_ONCE tasks do not. */
  mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
  /** The directory of this checkpoint in checkpoint storage (`<dir>/<jobId>/chk-<id>`, or a savepoint's own). */
  location: string;
  /** Stop with savepoint and `--drain`: sources emit the end of event time (MAX_WATERMARK) before the barrier. */
  drain?: boolean;
}

/** A byte range of a file in checkpoint storage. */
export interface StateFileHandle {
  path: string;
  offset: number;
  length: number;
}

/** Keyed state of one operator in one subtask, with the key groups it covers (inclusive). */
export interface KeyedStateHandle extends StateFileHandle {
  keyGroupStart: number;
  keyGroupEnd: number;
}

/** The state one operator of one subtask wrote for a checkpoint. */
export interface OperatorSubtaskStateHandle {
  keyed?: KeyedStateHandle;
  operator?: StateFileHandle;
}

/** A task's acknowledgement of a checkpoint. */
export interface TaskCheckpointAck {
  /** By operator id. */
  operators: Record<string, OperatorSubtaskStateHandle>;
  /** The snapshot was taken after the task's operators finished (it restores as finished). */
  finished: boolean;
  /** Bytes written. */
  stateSize: number;
  syncDurationMs: number;
  asyncDurationMs: number;
  alignmentDurationMs: number;
  /** From the checkpoint's trigger until the task's first barrier arrived (sources: the trigger). */
  startDelayMs?: number;
}

/** One operator's state for a redeployed subtask. */
export interface OperatorRestoreSpec {
  /** Keyed state parts whose key groups overlap the subtask's; the backend takes its own key groups. */
  keyed: StateFileHandle[];
  /** This subtask's operator state: a handle when it is one old subtask's unchanged, bytes when redistributed. */
  operator?: StateFileHandle;
  operatorBytes?: Uint8Array;
}

/** What a redeployed subtask restores (in its TaskDeploymentDescriptor). */
export interface TaskRestoreSpec {
  checkpointId: number;
  /** The subtask had finished at that checkpoint: it ends at once, without running its operators. */
  finished: boolean;
  /** By operator id. */
  operators: Record<string, OperatorRestoreSpec>;
}
