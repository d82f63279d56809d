import type { JobConfig } from '../cluster-view.js';
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
