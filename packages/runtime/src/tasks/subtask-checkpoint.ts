import { childPath, getLogger, serializeError } from '@spindle/core';
import type {
  ChainedOperatorSpec,
  OperatorSubtaskStateHandle,
  SerializedFailure,
  TaskCheckpointAck,
  TaskRestoreSpec,
} from '@spindle/protocol';
import { readStateHandle, writeFileBytes } from '../checkpoint/checkpoint-storage.js';
import type { ResultPartitionWriter } from '../network/result-partition-writer.js';
import { keyedSnapshotRange } from '../state/keyed-snapshot-format.js';
import type { CheckpointBarrier } from '../network/stream-elements.js';
import type { OperatorStateSnapshot, StateInitializationContext, StreamOperator } from './operator.js';

/** What one operator restores: its keyed parts and its operator state. */
export type RestoredState = NonNullable<StateInitializationContext['restoredState']>;

/** Reads the state a task restores, per operator of its chain (undefined for operators without state). */
export function readRestoredState(
  restore: TaskRestoreSpec,
  operators: readonly ChainedOperatorSpec[],
): Promise<Array<RestoredState | undefined>> {
  return Promise.all(
    operators.map(async (spec): Promise<RestoredState | undefined> => {
      const op = restore.operators[spec.id];
      if (op === undefined) return undefined;
      const keyed = await Promise.all(op.keyed.map((h) => readStateHandle(h)));
      const operator = op.operatorBytes ?? (op.operator ? await readStateHandle(op.operator) : undefined);
      return operator === undefined ? { keyed } : { keyed, operator };
    }),
  );
}

/** Where a task's checkpoint results go (the JobMaster, through the TaskExecutor). */
export interface CheckpointResponder {
  acknowledge(checkpointId: number, ack: TaskCheckpointAck): void;
  decline(checkpointId: number, failure: SerializedFailure): void;
}

export interface SubtaskCheckpointOwner {
  readonly operators: readonly StreamOperator[];
  readonly operatorIds: readonly string[];
  readonly partitions: readonly ResultPartitionWriter[];
  /** The task's state file name in a checkpoint's directory. */
  readonly stateFileName: string;
  readonly responder: CheckpointResponder;
  /** Runs a call of operator `i` so that its failure names that operator. */
  attributed(i: number, call: () => void | Promise<void>): Promise<void>;
}

interface Part {
  operatorId: string;
  kind: 'keyed' | 'operator';
  bytes: Uint8Array;
}

/**
 * The checkpoint side of one task (Flink's SubtaskCheckpointCoordinator). On the task's thread,
 * between elements: the operators' snapshots (the synchronous part: state copied into bytes),
 * then the barrier to every output channel. Then, off the task's thread's critical path, the
 * bytes go to checkpoint storage as one file (the asynchronous part) and the task acknowledges
 * with handles to their byte ranges, or declines when the write failed. A failure of an
 * operator's snapshot fails the task, as in Flink.
 *
 * It also keeps the end of a finished task: with checkpoints after tasks finish, a task whose
 * operators finished ends only once a checkpoint taken after that completed (its sinks committed).
 */
export class SubtaskCheckpoint {
  private readonly log = getLogger('task-checkpoint');
  private operatorsFinished = false;
  private firstCheckpointAfterFinish: number | undefined;
  private resolveFinal!: () => void;
  /** Resolves once a checkpoint taken after the operators finished completed. */
  readonly finalCheckpointCompleted = new Promise<void>((resolve) => (this.resolveFinal = resolve));

  constructor(private readonly owner: SubtaskCheckpointOwner) {}

  /** The task's operators finished: later snapshots describe a finished task. */
  markOperatorsFinished(): void {
    this.operatorsFinished = true;
  }

  async checkpointState(barrier: CheckpointBarrier, alignmentDurationMs: number): Promise<void> {
    const started = performance.now();
    // As Flink measures it: the barrier carries the trigger's wall-clock time.
    const startDelayMs = Math.max(0, Math.round(Date.now() - alignmentDurationMs - barrier.timestamp));
    const { operators, operatorIds } = this.owner;
    const context = { checkpointId: barrier.checkpointId, checkpointTimestamp: barrier.timestamp };
    const parts: Part[] = [];
    for (let i = 0; i < operators.length; i++) {
      let snapshot: OperatorStateSnapshot | void = undefined;
      await this.owner.attributed(i, () => {
        const result = operators[i]!.snapshotState(context);
        if (!(result instanceof Promise)) snapshot = result;
        else return result.then((s) => void (snapshot = s));
      });
      const s = snapshot as OperatorStateSnapshot | void;
      if (s?.keyed) parts.push({ operatorId: operatorIds[i]!, kind: 'keyed', bytes: s.keyed });
      if (s?.operator) parts.push({ operatorId: operatorIds[i]!, kind: 'operator', bytes: s.operator });
    }
    for (const p of this.owner.partitions) p.broadcastEvent(barrier);
    const finished = this.operatorsFinished;
    if (finished) this.firstCheckpointAfterFinish ??= barrier.checkpointId;
    const syncDurationMs = performance.now() - started;
    void this.persist(barrier, parts, { finished, syncDurationMs, alignmentDurationMs, startDelayMs });
  }

  /** The asynchronous part: writes the snapshot, then acknowledges (or declines). */
  private async persist(
    barrier: CheckpointBarrier,
    parts: Part[],
    info: { finished: boolean; syncDurationMs: number; alignmentDurationMs: number; startDelayMs: number },
  ): Promise<void> {
    const started = performance.now();
    const id = barrier.checkpointId;
    try {
      const operators: Record<string, OperatorSubtaskStateHandle> = {};
      let stateSize = 0;
      if (parts.length > 0) {
        const path = childPath(barrier.options.targetLocation!, this.owner.stateFileName);
        for (const p of parts) {
          const handle = { path, offset: stateSize, length: p.bytes.length };
          const entry = (operators[p.operatorId] ??= {});
          if (p.kind === 'operator') entry.operator = handle;
          else entry.keyed = { ...handle, ...keyGroupRangeOf(p.bytes) };
          stateSize += p.bytes.length;
        }
        await writeFileBytes(
          path,
          parts.map((p) => p.bytes),
        );
      }
      const ack: TaskCheckpointAck = { operators, stateSize, asyncDurationMs: performance.now() - started, ...info };
      this.owner.responder.acknowledge(id, ack);
    } catch (e) {
      this.log.warn('could not write the state of a checkpoint', { checkpointId: id, error: e });
      this.owner.responder.decline(id, serializeError(e));
    }
  }

  /** Every operator hears that the checkpoint completed (tail of the chain first, as sinks commit). */
  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const { operators } = this.owner;
    for (let i = operators.length - 1; i >= 0; i--) {
      const op = operators[i]!;
      if (op.notifyCheckpointComplete) await this.owner.attributed(i, () => op.notifyCheckpointComplete!(checkpointId));
    }
    if (this.firstCheckpointAfterFinish !== undefined && checkpointId >= this.firstCheckpointAfterFinish) this.resolveFinal();
  }

  async notifyCheckpointAborted(checkpointId: number): Promise<void> {
    const { operators } = this.owner;
    for (let i = operators.length - 1; i >= 0; i--) {
      const op = operators[i]!;
      if (op.notifyCheckpointAborted) await this.owner.attributed(i, () => op.notifyCheckpointAborted!(checkpointId));
    }
  }
}

function keyGroupRangeOf(bytes: Uint8Array): { keyGroupStart: number; keyGroupEnd: number } {
  const range = keyedSnapshotRange(bytes);
  return { keyGroupStart: range.start, keyGroupEnd: range.end };
}
