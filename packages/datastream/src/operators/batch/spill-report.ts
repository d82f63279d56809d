import type { OperatorContext, SpillStatistics } from '@spindle/runtime/task';

/**
 * Adds what an operator spilled to the job's accumulators `<operator>.spilledRuns` and
 * `<operator>.spilledBytes` (summed over subtasks; absent when nothing spilled), which
 * `spindle run` prints and REST lists with the job's accumulators.
 */
export function reportSpill(ctx: OperatorContext, stats: SpillStatistics): void {
  if (stats.runs === 0) return;
  ctx.addAccumulator(`${ctx.operatorName}.spilledRuns`, stats.runs);
  ctx.addAccumulator(`${ctx.operatorName}.spilledBytes`, stats.bytes);
}

/** Adds two spill statistics. */
export function addSpill(a: SpillStatistics, b: SpillStatistics): SpillStatistics {
  return { runs: a.runs + b.runs, bytes: a.bytes + b.bytes };
}
