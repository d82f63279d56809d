/** A checkpoint whose `_metadata` is written: the only kind ever restored. */
export interface CompletedCheckpoint {
  id: number;
  timestamp: number;
  /** Its directory, `<dir>/<jobId>/chk-<id>` (Flink's external path). */
  location: string;
  metadataPath: string;
  /** Bytes of state and metadata. */
  stateSize: number;
  durationMs: number;
  completedAt: number;
}

/** What one subtask reported for one checkpoint (Flink's SubtaskStateStats). */
export interface CheckpointSubtaskStats {
  ackTimestamp: number;
  /** From the trigger to its acknowledgement. */
  endToEndDurationMs: number;
  stateSize: number;
  syncDurationMs: number;
  asyncDurationMs: number;
  alignmentDurationMs: number;
  /** From the trigger until its first barrier arrived (sources: until the trigger arrived). */
  startDelayMs: number;
  /** The subtask had finished before the checkpoint: acknowledged without a snapshot. */
  finished: boolean;
}

/** What the subtasks of one vertex reported for one checkpoint (Flink's TaskStateStats). */
export interface CheckpointTaskStats {
  numSubtasks: number;
  numAcknowledged: number;
  /** -1 until a subtask acknowledged. */
  latestAckTimestamp: number;
  stateSize: number;
  /** Slowest subtask, from the trigger to its acknowledgement. */
  maxEndToEndDurationMs: number;
  maxSyncDurationMs: number;
  maxAsyncDurationMs: number;
  maxAlignmentDurationMs: number;
  /** By subtask index; null until that subtask acknowledged. */
  subtasks: Array<CheckpointSubtaskStats | null>;
}

/** One entry of the recent history (Flink's `/jobs/:jobid/checkpoints` history). */
export interface CheckpointHistoryEntry {
  id: number;
  isSavepoint: boolean;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  triggerTimestamp: number;
  numSubtasks: number;
  numAcknowledged: number;
  latestAckTimestamp: number;
  /** By vertex id. */
  tasks: Record<string, CheckpointTaskStats>;
  stateSize?: number;
  durationMs?: number;
  externalPath?: string;
  failureTimestamp?: number;
  failureMessage?: string;
}

/** Plain data: what REST and metrics show of a job's checkpoints. */
export interface CheckpointStatsSnapshot {
  counts: { restored: number; total: number; inProgress: number; completed: number; failed: number };
  latestCompleted?: CompletedCheckpoint;
  latestSavepoint?: CompletedCheckpoint;
  latestFailed?: { id: number; failureTimestamp: number; failureMessage: string };
  latestRestored?: { id: number; externalPath: string; restoreTimestamp: number; isSavepoint: boolean };
  history: CheckpointHistoryEntry[];
  /** State sizes and durations of the completed checkpoints (the most recent ones), for the summary. */
  completedSizes: number[];
  completedDurations: number[];
}

/** The acknowledgement figures the stats keep. */
export interface AckStats {
  stateSize: number;
  syncDurationMs: number;
  asyncDurationMs: number;
  alignmentDurationMs: number;
  /** Absent from TaskManagers that do not measure it. */
  startDelayMs?: number;
}

const HISTORY_SIZE = 10;
/** Completed checkpoints the summary statistics cover. */
const SUMMARY_SIZE = 1000;

/** Counts and the latest checkpoints of one job (Flink's CheckpointStatsTracker). */
export class CheckpointStats {
  private readonly snapshotData: CheckpointStatsSnapshot = {
    counts: { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 },
    history: [],
    completedSizes: [],
    completedDurations: [],
  };

  /** `subtasksPerVertex`: the parallelism of each vertex, by id. */
  reportPending(id: number, triggerTimestamp: number, subtasksPerVertex: ReadonlyMap<string, number>, isSavepoint = false): void {
    const c = this.snapshotData.counts;
    c.total++;
    c.inProgress++;
    const tasks: Record<string, CheckpointTaskStats> = {};
    let numSubtasks = 0;
    for (const [vertexId, n] of subtasksPerVertex) {
      numSubtasks += n;
      tasks[vertexId] = {
        numSubtasks: n,
        numAcknowledged: 0,
        latestAckTimestamp: -1,
        stateSize: 0,
        maxEndToEndDurationMs: 0,
        maxSyncDurationMs: 0,
        maxAsyncDurationMs: 0,
        maxAlignmentDurationMs: 0,
        subtasks: Array.from({ length: n }, () => null),
      };
    }
    this.push({ id, isSavepoint, status: 'IN_PROGRESS', triggerTimestamp, numSubtasks, numAcknowledged: 0, latestAckTimestamp: -1, tasks });
  }

  /** Subtask `subtaskIndex` of `vertexId` acknowledged (or had finished: `ack` undefined) at `now`. */
  reportAcknowledged(id: number, vertexId: string, subtaskIndex: number, now: number, ack?: AckStats): void {
    const entry = this.snapshotData.history.find((h) => h.id === id);
    const task = entry?.tasks[vertexId];
    if (entry === undefined || task === undefined) return;
    entry.numAcknowledged++;
    entry.latestAckTimestamp = now;
    task.numAcknowledged++;
    task.latestAckTimestamp = now;
    const endToEndDurationMs = now - entry.triggerTimestamp;
    task.maxEndToEndDurationMs = Math.max(task.maxEndToEndDurationMs, endToEndDurationMs);
    task.subtasks[subtaskIndex] = {
      ackTimestamp: now,
      endToEndDurationMs,
      stateSize: ack?.stateSize ?? 0,
      syncDurationMs: ack?.syncDurationMs ?? 0,
      asyncDurationMs: ack?.asyncDurationMs ?? 0,
      alignmentDurationMs: ack?.alignmentDurationMs ?? 0,
      startDelayMs: ack?.startDelayMs ?? 0,
      finished: ack === undefined,
    };
    if (ack === undefined) return;
    task.stateSize += ack.stateSize;
    task.maxSyncDurationMs = Math.max(task.maxSyncDurationMs, ack.syncDurationMs);
    task.maxAsyncDurationMs = Math.max(task.maxAsyncDurationMs, ack.asyncDurationMs);
    task.maxAlignmentDurationMs = Math.max(task.maxAlignmentDurationMs, ack.alignmentDurationMs);
  }

  reportCompleted(checkpoint: CompletedCheckpoint): void {
    const c = this.snapshotData.counts;
    c.inProgress = Math.max(0, c.inProgress - 1);
    c.completed++;
    const savepoint = this.snapshotData.history.find((h) => h.id === checkpoint.id)?.isSavepoint === true;
    if (savepoint) this.snapshotData.latestSavepoint = { ...checkpoint };
    else this.snapshotData.latestCompleted = { ...checkpoint };
    const { completedSizes, completedDurations } = this.snapshotData;
    completedSizes.push(checkpoint.stateSize);
    completedDurations.push(checkpoint.durationMs);
    if (completedSizes.length > SUMMARY_SIZE) completedSizes.shift();
    if (completedDurations.length > SUMMARY_SIZE) completedDurations.shift();
    this.update(checkpoint.id, {
      status: 'COMPLETED',
      stateSize: checkpoint.stateSize,
      durationMs: checkpoint.durationMs,
      externalPath: checkpoint.location,
    });
  }

  reportFailed(id: number, failureTimestamp: number, failureMessage: string): void {
    const c = this.snapshotData.counts;
    c.inProgress = Math.max(0, c.inProgress - 1);
    c.failed++;
    this.snapshotData.latestFailed = { id, failureTimestamp, failureMessage };
    this.update(id, { status: 'FAILED', failureTimestamp, failureMessage });
  }

  reportRestored(id: number, externalPath: string, restoreTimestamp: number, isSavepoint = false): void {
    this.snapshotData.counts.restored++;
    this.snapshotData.latestRestored = { id, externalPath, restoreTimestamp, isSavepoint };
  }

  snapshot(): CheckpointStatsSnapshot {
    return structuredClone(this.snapshotData);
  }

  private push(entry: CheckpointHistoryEntry): void {
    const history = this.snapshotData.history;
    history.unshift(entry);
    if (history.length > HISTORY_SIZE) history.pop();
  }

  private update(id: number, fields: Partial<CheckpointHistoryEntry>): void {
    const entry = this.snapshotData.history.find((h) => h.id === id);
    if (entry) Object.assign(entry, fields);
  }
}
