import { SpindleError, keyGroupRangeFor } from '@spindle/core';
import type { JobGraphSpec, OperatorRestoreSpec, StateFileHandle, TaskRestoreSpec } from '@spindle/protocol';
import { readOperatorSnapshot, repartitionOperatorState } from '../state/operator-snapshot-format.js';
import type { CheckpointMetadata, SubtaskStateMetadata, VertexStateMetadata } from './checkpoint-storage.js';

/** The restore spec of subtask `subtaskIndex` of vertex `vertexId` is under `restoreKey(vertexId, subtaskIndex)`. */
export function restoreKey(vertexId: string, subtaskIndex: number): string {
  return `${vertexId}#${subtaskIndex}`;
}

interface OperatorHistory {
  vertex: VertexStateMetadata;
  operatorId: string;
}

function restoreError(message: string): SpindleError {
  return new SpindleError(message, { code: 'CHECKPOINT_RESTORE', recoverability: 'non-recoverable', userFacing: true });
}

/**
 * Assigns the state of a completed checkpoint to the subtasks of `jobGraph`, at their (possibly
 * new) parallelism, as Flink's StateAssignmentOperation: operators are matched by id; each new
 * subtask gets every keyed part whose key groups overlap its own (its backend keeps only its key
 * groups), and its share of the operator state (unchanged when the parallelism and the modes
 * allow, else redistributed: split lists cut evenly, union lists whole, broadcast state copied).
 * A subtask restores as finished when it had finished. `readState` reads operator state bytes.
 */
export async function assignState(
  metadata: CheckpointMetadata,
  jobGraph: JobGraphSpec,
  readState: (handle: StateFileHandle) => Promise<Uint8Array>,
  allowNonRestoredState = true,
): Promise<Map<string, TaskRestoreSpec>> {
  if (!allowNonRestoredState) checkAllStateClaimed(metadata, jobGraph);
  const byOperator = new Map<string, OperatorHistory>();
  for (const vertex of metadata.vertices) for (const operatorId of vertex.operatorIds) byOperator.set(operatorId, { vertex, operatorId });
  const result = new Map<string, TaskRestoreSpec>();
  for (const vertex of jobGraph.vertices) {
    const old = metadata.vertices.find((v) => v.operatorIds.some((id) => vertex.operators.some((o) => o.id === id)));
    const finished = finishedSubtasks(old, vertex.parallelism);
    const operators = new Map<string, OperatorRestoreSpec[]>();
    for (const op of vertex.operators) {
      const history = byOperator.get(op.id);
      if (history === undefined) continue;
      operators.set(op.id, await assignOperator(history, vertex.parallelism, vertex.maxParallelism, op.name, readState));
    }
    for (let i = 0; i < vertex.parallelism; i++) {
      const specs: Record<string, OperatorRestoreSpec> = {};
      for (const [id, perSubtask] of operators) specs[id] = perSubtask[i]!;
      result.set(restoreKey(vertex.id, i), { checkpointId: metadata.checkpointId, finished: finished[i]!, operators: specs });
    }
  }
  return result;
}

/**
 * State of an operator the job no longer has (Flink's "Failed to rollback to checkpoint/savepoint
 * ... Cannot map checkpoint/savepoint state for operator ... to the new program"): an error
 * naming each such operator, unless `allowNonRestoredState` drops it.
 */
function checkAllStateClaimed(metadata: CheckpointMetadata, jobGraph: JobGraphSpec): void {
  const known = new Set(jobGraph.vertices.flatMap((v) => v.operators.map((o) => o.id)));
  const unmatched: string[] = [];
  for (const vertex of metadata.vertices) {
    vertex.operatorIds.forEach((id, i) => {
      const hasState = vertex.subtasks.some((s) => s?.operators[id]?.keyed || s?.operators[id]?.operator);
      if (!known.has(id) && hasState)
        unmatched.push(vertex.operatorUids?.[i] ? `uid '${vertex.operatorUids[i]}'` : `id ${id} (${vertex.name})`);
    });
  }
  if (unmatched.length === 0) return;
  throw restoreError(
    `Cannot map the state of ${unmatched.length === 1 ? 'operator' : 'operators'} ${unmatched.join(', ')} of the savepoint to the new program: ` +
      'no operator of the job has that uid. Run with --allowNonRestoredState (-n) to skip that state.',
  );
}

function finishedSubtasks(old: VertexStateMetadata | undefined, parallelism: number): boolean[] {
  const none = Array.from({ length: parallelism }, () => false);
  if (old === undefined) return none;
  const count = old.subtasks.filter((s) => s.finished).length;
  if (count === 0) return none;
  if (count === old.subtasks.length) return none.map(() => true);
  if (old.parallelism === parallelism) return old.subtasks.map((s) => s.finished);
  // At another parallelism every subtask runs again: a finished subtask left no state (a source
  // that read all of its splits), so the state of the others, redistributed, is all there is to do.
  return none;
}

async function assignOperator(
  history: OperatorHistory,
  parallelism: number,
  maxParallelism: number,
  name: string,
  readState: (handle: StateFileHandle) => Promise<Uint8Array>,
): Promise<OperatorRestoreSpec[]> {
  const old = history.vertex;
  const states = old.subtasks.map((s: SubtaskStateMetadata) => s.operators[history.operatorId] ?? {});
  const keyedParts = states.flatMap((s) => (s.keyed ? [s.keyed] : []));
  if (keyedParts.length > 0 && old.maxParallelism !== maxParallelism) {
    throw restoreError(
      `${name}: its keyed state was written with maximum parallelism ${old.maxParallelism}, and the job now has ${maxParallelism} ` +
        '(pipeline.max-parallelism must not change between a checkpoint and its restore)',
    );
  }
  const specs: OperatorRestoreSpec[] = Array.from({ length: parallelism }, (_, i) => {
    const range = keyGroupRangeFor(maxParallelism, parallelism, i);
    const keyed = keyedParts
      .filter((h) => h.keyGroupStart <= range.end && h.keyGroupEnd >= range.start)
      .map((h) => ({ path: h.path, offset: h.offset, length: h.length }));
    return { keyed };
  });
  const operatorHandles = states.map((s) => s.operator);
  if (operatorHandles.every((h) => h === undefined)) return specs;
  const bytes = await Promise.all(operatorHandles.map((h) => (h ? readState(h) : Promise.resolve(new Uint8Array(0)))));
  const unchanged =
    old.parallelism === parallelism && bytes.every((b) => b.length === 0 || readOperatorSnapshot(b).every((p) => p.mode === 'split'));
  if (unchanged) {
    operatorHandles.forEach((h, i) => {
      if (h) specs[i]!.operator = h;
    });
    return specs;
  }
  const redistributed = repartitionOperatorState(bytes, parallelism);
  redistributed.forEach((b, i) => (specs[i]!.operatorBytes = b));
  return specs;
}
