import { EXECUTION_STATES, isTerminalExecutionState, type ExecutionState } from '@spindle/protocol';
import { watermarkFromLongString, type ArchivedExecution } from '@spindle/runtime';
import type { ExecutionStateCounts, VertexIOMetrics } from '../cluster-view.js';

export function zeroCounts(): ExecutionStateCounts {
  return Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0])) as ExecutionStateCounts;
}

export function countStates(executions: readonly ArchivedExecution[]): ExecutionStateCounts {
  const counts = zeroCounts();
  for (const e of executions) counts[e.state]++;
  return counts;
}

/**
 * The state a vertex shows for its subtasks, in Flink's precedence: any failure, then
 * cancellation, then the most advanced running state; FINISHED only when all have finished.
 */
export function aggregateState(counts: ExecutionStateCounts, parallelism: number): ExecutionState {
  const precedence: ExecutionState[] = ['FAILED', 'CANCELING', 'CANCELED', 'INITIALIZING', 'RUNNING'];
  for (const state of precedence) if (counts[state] > 0) return state;
  if (counts.FINISHED > 0) return counts.FINISHED === parallelism ? 'FINISHED' : 'RUNNING';
  for (const state of ['RECONCILING', 'DEPLOYING', 'SCHEDULED'] as const) if (counts[state] > 0) return state;
  return 'CREATED';
}

/** Earliest deployment, and latest terminal transition once all subtasks are terminal. */
export function vertexTimes(executions: readonly ArchivedExecution[]): { startTime: number; endTime: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = -1;
  let allTerminal = executions.length > 0;
  for (const e of executions) {
    const deployed = e.timestamps.DEPLOYING;
    if (deployed !== undefined) start = Math.min(start, deployed);
    if (isTerminalExecutionState(e.state)) end = Math.max(end, e.timestamps[e.state] ?? -1);
    else allTerminal = false;
  }
  return { startTime: Number.isFinite(start) ? start : -1, endTime: allTerminal ? end : -1 };
}

export function sumMetrics(executions: readonly ArchivedExecution[]): VertexIOMetrics {
  const sum: VertexIOMetrics = {
    bytesIn: 0,
    bytesOut: 0,
    recordsIn: 0,
    recordsOut: 0,
    complete: executions.length > 0,
    accumulatedBackPressuredTimeMs: 0,
    accumulatedIdleTimeMs: 0,
    accumulatedBusyTimeMs: 0,
    currentInputWatermark: Number.POSITIVE_INFINITY,
    currentOutputWatermark: Number.POSITIVE_INFINITY,
  };
  for (const e of executions) {
    const m = e.metrics;
    if (!m) {
      sum.complete = false;
      continue;
    }
    sum.bytesIn += m.numBytesIn;
    sum.bytesOut += m.numBytesOut;
    sum.recordsIn += m.numRecordsIn;
    sum.recordsOut += m.numRecordsOut;
    sum.accumulatedBackPressuredTimeMs += m.accumulatedBackPressuredTimeMs;
    sum.accumulatedIdleTimeMs += m.accumulatedIdleTimeMs;
    sum.accumulatedBusyTimeMs += m.accumulatedBusyTimeMs;
    sum.currentInputWatermark = Math.min(sum.currentInputWatermark, watermarkFromLongString(m.currentInputWatermark));
    sum.currentOutputWatermark = Math.min(sum.currentOutputWatermark, watermarkFromLongString(m.currentOutputWatermark));
  }
  if (executions.every((e) => !e.metrics)) {
    sum.currentInputWatermark = Number.NEGATIVE_INFINITY;
    sum.currentOutputWatermark = Number.NEGATIVE_INFINITY;
  }
  return sum;
}

/** The latest state change of any task, or of the job's end. */
export function lastModification(executions: readonly ArchivedExecution[], jobEndTime: number): number {
  let last = jobEndTime;
  for (const e of executions) last = Math.max(last, e.timestamps[e.state] ?? 0);
  return last;
}
