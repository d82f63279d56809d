import type { JobCheckpointing } from '../cluster-view.js';

/**
 * Flink's checkpoint statistics on the wire (CheckpointingStatistics, CheckpointStatistics,
 * TaskCheckpointStatistics, CheckpointConfigInfo): snake_case fields, `className` on history
 * entries, sizes in bytes and durations in milliseconds. Spindle neither spills nor persists
 * in-flight data, so the alignment and unaligned figures are 0.
 */
type Stats = JobCheckpointing['stats'];
type Entry = Stats['history'][number];
type Task = Entry['tasks'][string];

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Flink's StatsSummaryDto. */
function summaryOf(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    avg: sorted.length === 0 ? 0 : Math.round(sum / sorted.length),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
  };
}

const CLASS_NAMES = { COMPLETED: 'completed', FAILED: 'failed', IN_PROGRESS: 'in_progress' } as const;

function taskBody(id: string, e: Entry, t: Task) {
  return {
    id: e.id,
    status: e.status,
    latest_ack_timestamp: t.latestAckTimestamp,
    checkpointed_size: t.stateSize,
    state_size: t.stateSize,
    end_to_end_duration: t.numAcknowledged > 0 ? t.maxEndToEndDurationMs : -1,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: t.numSubtasks,
    num_acknowledged_subtasks: t.numAcknowledged,
    // Spindle's own: the slowest subtask's synchronous, asynchronous and alignment parts.
    checkpoint_duration: { sync: t.maxSyncDurationMs, async: t.maxAsyncDurationMs },
    alignment_duration: t.maxAlignmentDurationMs,
    vertex_id: id,
  };
}

type SubtaskStats = NonNullable<Task['subtasks'][number]>;

/** One subtask's figures (Flink's SubtaskCheckpointStatistics: `completed`, or `pending_or_failed` before its ack). */
function subtaskBody(index: number, s: SubtaskStats | null) {
  if (s === null) return { index, status: 'pending_or_failed' };
  return {
    index,
    status: 'completed',
    ack_timestamp: s.ackTimestamp,
    end_to_end_duration: s.endToEndDurationMs,
    state_size: s.stateSize,
    checkpointed_size: s.stateSize,
    checkpoint: { sync: Math.round(s.syncDurationMs), async: Math.round(s.asyncDurationMs) },
    alignment: { buffered: 0, processed: 0, persisted: 0, duration: Math.round(s.alignmentDurationMs) },
    start_delay: s.startDelayMs,
    unaligned_checkpoint: false,
    aborted: false,
  };
}

/**
 * GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid (Flink's
 * TaskCheckpointStatisticsWithSubtaskDetails): the vertex's figures, a summary over the subtasks
 * that acknowledged, and each subtask.
 */
export function taskCheckpointDetailsBody(vertexId: string, e: Entry, t: Task) {
  const acked = t.subtasks.filter((s): s is SubtaskStats => s !== null);
  const over = (f: (s: SubtaskStats) => number) => summaryOf(acked.map((s) => Math.round(f(s))));
  const { checkpoint_duration: _d, alignment_duration: _a, vertex_id: _v, ...task } = taskBody(vertexId, e, t);
  const zero = summaryOf(acked.map(() => 0));
  return {
    ...task,
    summary: {
      checkpointed_size: over((s) => s.stateSize),
      state_size: over((s) => s.stateSize),
      end_to_end_duration: over((s) => s.endToEndDurationMs),
      checkpoint_duration: { sync: over((s) => s.syncDurationMs), async: over((s) => s.asyncDurationMs) },
      alignment: { buffered: zero, processed: zero, persisted: zero, duration: over((s) => s.alignmentDurationMs) },
      start_delay: over((s) => s.startDelayMs),
    },
    subtasks: t.subtasks.map((s, i) => subtaskBody(i, s)),
  };
}

/** One checkpoint of the history (Flink's CheckpointStatistics, by `className`). */
export function checkpointBody(e: Entry, withTaskDetails = false) {
  const stateSize = e.stateSize ?? Object.values(e.tasks).reduce((a, t) => a + t.stateSize, 0);
  const tasks = Object.fromEntries(Object.entries(e.tasks).map(([id, t]) => [id, taskBody(id, e, t)]));
  const body: Record<string, unknown> = {
    className: CLASS_NAMES[e.status],
    id: e.id,
    status: e.status,
    is_savepoint: e.isSavepoint,
    savepointFormat: e.isSavepoint ? 'CANONICAL' : null,
    trigger_timestamp: e.triggerTimestamp,
    latest_ack_timestamp: e.latestAckTimestamp,
    checkpointed_size: stateSize,
    state_size: stateSize,
    end_to_end_duration: e.durationMs ?? (e.latestAckTimestamp >= 0 ? e.latestAckTimestamp - e.triggerTimestamp : 0),
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: e.numSubtasks,
    num_acknowledged_subtasks: e.numAcknowledged,
    checkpoint_type: e.isSavepoint ? 'SAVEPOINT' : 'CHECKPOINT',
    tasks: withTaskDetails ? tasks : {},
  };
  if (e.status === 'COMPLETED')
    Object.assign(body, { external_path: e.externalPath ?? '<checkpoint-not-externally-addressable>', discarded: false });
  if (e.status === 'FAILED')
    Object.assign(body, { failure_timestamp: e.failureTimestamp ?? -1, failure_message: e.failureMessage ?? null });
  return body;
}

/** GET /jobs/:jobid/checkpoints (Flink's CheckpointingStatistics). */
export function checkpointingStatisticsBody(stats: Stats) {
  const c = stats.counts;
  const byId = (id: number | undefined) => stats.history.find((h) => h.id === id);
  const completed = byId(stats.latestCompleted?.id);
  const savepoint = byId(stats.latestSavepoint?.id);
  const failed = byId(stats.latestFailed?.id);
  const restored = stats.latestRestored;
  const sizes = summaryOf(stats.completedSizes);
  const zero = summaryOf([]);
  return {
    counts: { restored: c.restored, total: c.total, in_progress: c.inProgress, completed: c.completed, failed: c.failed },
    summary: {
      checkpointed_size: sizes,
      state_size: sizes,
      end_to_end_duration: summaryOf(stats.completedDurations),
      alignment_buffered: zero,
      processed_data: zero,
      persisted_data: zero,
    },
    latest: {
      completed: completed ? checkpointBody(completed) : null,
      savepoint: savepoint ? checkpointBody(savepoint) : null,
      failed: failed ? checkpointBody(failed) : null,
      restored: restored
        ? {
            id: restored.id,
            restore_timestamp: restored.restoreTimestamp,
            is_savepoint: restored.isSavepoint,
            external_path: restored.externalPath,
          }
        : null,
    },
    history: stats.history.map((e) => checkpointBody(e)),
  };
}

/** GET /jobs/:jobid/checkpoints/config (Flink's CheckpointConfigInfo; `mode` is lower case on the wire). */
export function checkpointConfigBody(view: JobCheckpointing) {
  const c = view.config;
  return {
    mode: c.mode.toLowerCase(),
    interval: c.intervalMs > 0 ? c.intervalMs : Number.MAX_SAFE_INTEGER,
    timeout: c.timeoutMs,
    min_pause: c.minPauseMs,
    max_concurrent: c.maxConcurrent,
    externalization: {
      enabled: c.retention !== 'NO_EXTERNALIZED_CHECKPOINTS',
      delete_on_cancellation: c.retention !== 'RETAIN_ON_CANCELLATION',
    },
    state_backend: view.stateBackend === 'hashmap' ? 'HashMapStateBackend' : view.stateBackend,
    checkpoint_storage: 'FileSystemCheckpointStorage',
    unaligned_checkpoints: false,
    tolerable_failed_checkpoints: c.tolerableFailures,
    aligned_checkpoint_timeout: 0,
    checkpoints_after_tasks_finish: c.afterTasksFinish,
    state_changelog_enabled: false,
    changelog_periodic_materialization_interval: -1,
    changelog_storage: 'memory',
  };
}
