import type { JobConfig, SubtaskInfo } from '../cluster-view.js';
import { base64Json } from './encoding.js';

/** `/jobs/:jobid/config` as Flink's JobConfigInfo serializer writes it (`jid`, `name`, `execution-config`). */
export function jobConfigBody(c: JobConfig): Record<string, unknown> {
  return {
    jid: c.jobId,
    name: c.name,
    'execution-config': {
      // Flink's ExecutionMode: pipelined exchanges for streaming, blocking ones for batch.
      'execution-mode': c.runtimeMode === 'BATCH' ? 'BATCH' : 'PIPELINED',
      'restart-strategy': c.restartStrategy,
      'job-parallelism': c.parallelism,
      // Chained operators hand each other the same objects, without copies.
      'object-reuse-mode': true,
      'user-config': { ...c.config },
    },
  };
}

/** An accumulator as Flink types it: counters for numbers, a list accumulator for lists. */
function accumulatorType(value: unknown): string {
  if (Array.isArray(value)) return 'ListAccumulator';
  if (typeof value === 'number') return Number.isInteger(value) ? 'LongCounter' : 'DoubleCounter';
  return typeof value;
}

function accumulatorText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

export function accumulatorEntries(accumulators: Record<string, unknown>): Array<{ name: string; type: string; value: string }> {
  return Object.entries(accumulators).map(([name, value]) => ({ name, type: accumulatorType(value), value: accumulatorText(value) }));
}

/** `/jobs/:jobid/accumulators`: Flink's JobAccumulatorsInfo; serialized values (base64 JSON) only when asked for. */
export function jobAccumulatorsBody(accumulators: Record<string, unknown>, includeSerialized: boolean): Record<string, unknown> {
  return {
    'job-accumulators': [],
    'user-task-accumulators': accumulatorEntries(accumulators),
    'serialized-user-task-accumulators': includeSerialized
      ? Object.fromEntries(Object.entries(accumulators).map(([k, v]) => [k, base64Json(v)]))
      : {},
  };
}

/** Accumulators of several subtasks merged as the job merges them: numbers summed, lists concatenated in subtask order. */
function mergeSubtaskAccumulators(subtasks: readonly SubtaskInfo[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const s of subtasks) {
    for (const [name, value] of Object.entries(s.accumulators ?? {})) {
      const prev = merged[name];
      if (Array.isArray(value)) merged[name] = Array.isArray(prev) ? prev.concat(value) : value.slice();
      else if (typeof value === 'number') merged[name] = (typeof prev === 'number' ? prev : 0) + value;
    }
  }
  return merged;
}

/** `/jobs/:jobid/vertices/:vertexid/accumulators`: Flink's JobVertexAccumulatorsInfo. */
export function vertexAccumulatorsBody(vertexId: string, subtasks: readonly SubtaskInfo[]): Record<string, unknown> {
  return { id: vertexId, 'user-accumulators': accumulatorEntries(mergeSubtaskAccumulators(subtasks)) };
}

/** `/jobs/:jobid/vertices/:vertexid/subtasks/accumulators`: Flink's SubtasksAllAccumulatorsInfo. */
export function subtasksAccumulatorsBody(vertexId: string, parallelism: number, subtasks: readonly SubtaskInfo[]): Record<string, unknown> {
  return {
    id: vertexId,
    parallelism,
    subtasks: subtasks.map((s) => ({
      subtask: s.subtaskIndex,
      attempt: s.attemptNumber,
      endpoint: s.endpoint ?? '(unassigned)',
      'user-accumulators': accumulatorEntries(s.accumulators ?? {}),
    })),
  };
}
