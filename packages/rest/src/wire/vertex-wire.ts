import { EXECUTION_STATES, isTerminalExecutionState, type ExecutionState, type TaskIOMetrics } from '@spindle/protocol';
import { watermarkFromLongString } from '@spindle/runtime';
import type { JobVertexDetails, SubtaskInfo, VertexIOMetrics } from '../cluster-view.js';
import { aggregateState } from '../components/execution-aggregates.js';
import { ioMetricsBody } from './job-wire.js';

/**
 * A job vertex and its subtasks in Flink's wire format (JobVertexDetailsInfo,
 * SubtaskExecutionAttemptDetailsInfo, SubtasksTimesInfo, JobVertexTaskManagersInfo,
 * JobVertexBackPressureInfo), from plain subtask data.
 */

const UNASSIGNED = '(unassigned)';
/** The states whose durations Flink's `status-duration` shows, in lifecycle order. */
const DURATION_STATES: readonly ExecutionState[] = ['CREATED', 'SCHEDULED', 'DEPLOYING', 'INITIALIZING', 'RUNNING'];
const LIFECYCLE: readonly ExecutionState[] = [...DURATION_STATES, 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED'];

/** A subtask's counters in the form of a vertex's (one subtask's "sum"). */
export function ioOf(m: TaskIOMetrics | undefined): VertexIOMetrics {
  return {
    bytesIn: m?.numBytesIn ?? 0,
    bytesOut: m?.numBytesOut ?? 0,
    recordsIn: m?.numRecordsIn ?? 0,
    recordsOut: m?.numRecordsOut ?? 0,
    complete: m !== undefined,
    accumulatedBackPressuredTimeMs: m?.accumulatedBackPressuredTimeMs ?? 0,
    accumulatedIdleTimeMs: m?.accumulatedIdleTimeMs ?? 0,
    accumulatedBusyTimeMs: m?.accumulatedBusyTimeMs ?? 0,
    currentInputWatermark: m ? watermarkFromLongString(m.currentInputWatermark) : Number.NEGATIVE_INFINITY,
    currentOutputWatermark: m ? watermarkFromLongString(m.currentOutputWatermark) : Number.NEGATIVE_INFINITY,
  };
}

/** Flink's subtask times: deployment, the terminal transition, and the time between (or until now). */
export function subtaskTimes(s: SubtaskInfo, now: number): { start: number; end: number; duration: number } {
  const start = s.timestamps.DEPLOYING ?? -1;
  const end = isTerminalExecutionState(s.state) ? (s.timestamps[s.state] ?? -1) : -1;
  return { start, end, duration: start >= 0 ? Math.max(0, (end >= 0 ? end : now) - start) : -1 };
}

/** Milliseconds spent in each state up to RUNNING: until the next state reached, or until now for the current one; -1 if never in it. */
export function statusDuration(s: SubtaskInfo, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const state of DURATION_STATES) {
    const entered = s.timestamps[state];
    if (entered === undefined) {
      out[state] = -1;
      continue;
    }
    const later = LIFECYCLE.slice(LIFECYCLE.indexOf(state) + 1)
      .map((t) => s.timestamps[t])
      .filter((t): t is number => t !== undefined && t >= entered);
    const left = s.state === state ? now : later.length > 0 ? Math.min(...later) : now;
    out[state] = Math.max(0, left - entered);
  }
  return out;
}

export function hostOf(s: SubtaskInfo): string {
  return s.host ?? UNASSIGNED;
}

export function subtaskBody(s: SubtaskInfo, now: number): Record<string, unknown> {
  const t = subtaskTimes(s, now);
  return {
    subtask: s.subtaskIndex,
    status: s.state,
    attempt: s.attemptNumber,
    host: hostOf(s),
    'start-time': t.start,
    'end-time': t.end,
    duration: t.duration,
    metrics: ioMetricsBody(ioOf(s.metrics)),
    'taskmanager-id': s.taskManagerId ?? UNASSIGNED,
    'status-duration': statusDuration(s, now),
  };
}

/** Flink's MetricsStatistics: min, max, avg, sum, median and percentiles of a value over subtasks. */
function statistics(values: number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, sum: 0, median: 0, p25: 0, p75: 0, p95: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    avg: Math.round(sum / sorted.length),
    sum,
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    p95: at(0.95),
  };
}

/** `aggregated`: statistics of the subtasks' I/O metrics and state durations. */
export function aggregatedBody(subtasks: readonly SubtaskInfo[], now: number): Record<string, unknown> {
  const io = subtasks.map((s) => ioOf(s.metrics));
  const metric = (f: (m: VertexIOMetrics) => number) => statistics(io.map((m) => Math.round(f(m))));
  const durations = subtasks.map((s) => statusDuration(s, now));
  return {
    metrics: {
      'read-bytes': metric((m) => m.bytesIn),
      'write-bytes': metric((m) => m.bytesOut),
      'read-records': metric((m) => m.recordsIn),
      'write-records': metric((m) => m.recordsOut),
      'accumulated-backpressured-time': metric((m) => m.accumulatedBackPressuredTimeMs),
      'accumulated-idle-time': metric((m) => m.accumulatedIdleTimeMs),
      'accumulated-busy-time': metric((m) => m.accumulatedBusyTimeMs),
    },
    'status-duration': Object.fromEntries(DURATION_STATES.map((st) => [st, statistics(durations.map((d) => d[st]!))])),
  };
}

export function vertexDetailsBody(v: JobVertexDetails, subtasks: readonly SubtaskInfo[], now: number): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    parallelism: v.parallelism,
    maxParallelism: v.maxParallelism,
    now,
    subtasks: subtasks.map((s) => subtaskBody(s, now)),
    aggregated: aggregatedBody(subtasks, now),
  };
}

export function subtaskTimesBody(v: JobVertexDetails, subtasks: readonly SubtaskInfo[], now: number): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    now,
    subtasks: subtasks.map((s) => ({
      subtask: s.subtaskIndex,
      host: hostOf(s),
      duration: subtaskTimes(s, now).duration,
      timestamps: Object.fromEntries(EXECUTION_STATES.map((st) => [st, s.timestamps[st] ?? 0])),
    })),
  };
}

/** Subtasks grouped by the TaskManager they run on, each group with its aggregate state and I/O. */
export function vertexTaskManagersBody(v: JobVertexDetails, subtasks: readonly SubtaskInfo[], now: number): Record<string, unknown> {
  const groups = new Map<string, SubtaskInfo[]>();
  for (const s of subtasks) {
    const key = s.taskManagerId ?? UNASSIGNED;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const taskmanagers = [...groups].map(([tmId, group]) => {
    const counts = Object.fromEntries(EXECUTION_STATES.map((st) => [st, 0])) as Record<ExecutionState, number>;
    for (const s of group) counts[s.state]++;
    const times = group.map((s) => subtaskTimes(s, now));
    const starts = times.map((t) => t.start).filter((t) => t >= 0);
    const start = starts.length > 0 ? Math.min(...starts) : -1;
    const end = group.every((s) => isTerminalExecutionState(s.state)) ? Math.max(...times.map((t) => t.end)) : -1;
    const io = group.map((s) => ioOf(s.metrics));
    const sum = (f: (m: VertexIOMetrics) => number) => io.reduce((n, m) => n + f(m), 0);
    const metrics = ioMetricsBody({
      bytesIn: sum((m) => m.bytesIn),
      bytesOut: sum((m) => m.bytesOut),
      recordsIn: sum((m) => m.recordsIn),
      recordsOut: sum((m) => m.recordsOut),
      complete: io.every((m) => m.complete),
      accumulatedBackPressuredTimeMs: sum((m) => m.accumulatedBackPressuredTimeMs),
      accumulatedIdleTimeMs: sum((m) => m.accumulatedIdleTimeMs),
      accumulatedBusyTimeMs: sum((m) => m.accumulatedBusyTimeMs),
      currentInputWatermark: Math.min(...io.map((m) => m.currentInputWatermark)),
      currentOutputWatermark: Math.min(...io.map((m) => m.currentOutputWatermark)),
    });
    return {
      host: hostOf(group[0]!),
      status: aggregateState(counts, group.length),
      'start-time': start,
      'end-time': end,
      duration: start >= 0 ? Math.max(0, (end >= 0 ? end : now) - start) : -1,
      metrics,
      'status-counts': counts,
      'taskmanager-id': tmId,
      aggregated: aggregatedBody(group, now),
    };
  });
  return { id: v.id, name: v.name, now, taskmanagers };
}

/** Flink's levels: a back-pressure ratio up to 0.10 is ok, up to 0.5 low, above high. */
export function backPressureLevel(ratio: number): 'ok' | 'low' | 'high' {
  if (ratio <= 0.1) return 'ok';
  return ratio <= 0.5 ? 'low' : 'high';
}

/**
 * `/backpressure` from the subtasks' time per second back-pressured, busy and idle (as Flink
 * computes it since 1.13, from task metrics instead of stack sampling); `deprecated` status
 * while no subtask has reported metrics.
 */
export function backPressureBody(subtasks: readonly SubtaskInfo[], now: number): Record<string, unknown> {
  const measured = subtasks.filter((s) => s.metrics !== undefined);
  if (measured.length === 0) return { status: 'deprecated' };
  const entries = measured.map((s) => {
    const m = s.metrics!;
    const ratio = m.backPressuredTimeMsPerSecond / 1000;
    return {
      subtask: s.subtaskIndex,
      'attempt-number': s.attemptNumber,
      backpressureLevel: backPressureLevel(ratio),
      ratio,
      idleRatio: m.idleTimeMsPerSecond / 1000,
      busyRatio: m.busyTimeMsPerSecond / 1000,
    };
  });
  const worst = Math.max(...entries.map((e) => e.ratio));
  return { status: 'ok', backpressureLevel: backPressureLevel(worst), 'end-timestamp': now, subtasks: entries };
}
