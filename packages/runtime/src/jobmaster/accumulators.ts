import type { Execution } from '../executiongraph/execution-graph.js';

/** Accumulators of all tasks: numbers are summed, lists concatenated in vertex and subtask order. */
export function mergeAccumulators(executions: readonly Execution[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const e of executions) {
    for (const [name, value] of Object.entries(e.accumulators ?? {})) {
      const prev = merged[name];
      if (Array.isArray(value)) merged[name] = Array.isArray(prev) ? prev.concat(value) : value.slice();
      else if (typeof value === 'number') merged[name] = (typeof prev === 'number' ? prev : 0) + value;
    }
  }
  return merged;
}
