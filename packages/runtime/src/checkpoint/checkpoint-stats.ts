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

/** One entry of the recent history (Flink's `/jobs/:jobid/checkpoints` history). */
export interface CheckpointHistoryEntry {
  id: number;
  isSavepoint: boolean;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  triggerTimestamp: number;
  numSubtasks: number;
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
  latestRestored?: { id: number; externalPath: string; restoreTimestamp: number };
  history: CheckpointHistoryEntry[];
}

const HISTORY_SIZE = 10;

/** Counts and the latest checkpoints of one job (Flink's CheckpointStatsTracker). */
export class CheckpointStats {
  private readonly snapshotData: CheckpointStatsSnapshot = {
    counts: { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 },
    history: [],
  };

  reportPending(id: number, triggerTimestamp: number, numSubtasks: number, isSavepoint = false): void {
    const c = this.snapshotData.counts;
    c.total++;
    c.inProgress++;
    this.push({ id, isSavepoint, status: 'IN_PROGRESS', triggerTimestamp, numSubtasks });
  }

  reportCompleted(checkpoint: CompletedCheckpoint): void {
    const c = this.snapshotData.counts;
    c.inProgress = Math.max(0, c.inProgress - 1);
    c.completed++;
    const savepoint = this.snapshotData.history.find((h) => h.id === checkpoint.id)?.isSavepoint === true;
    if (savepoint) this.snapshotData.latestSavepoint = { ...checkpoint };
    else this.snapshotData.latestCompleted = { ...checkpoint };
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

  reportRestored(id: number, externalPath: string, restoreTimestamp: number): void {
    this.snapshotData.counts.restored++;
    this.snapshotData.latestRestored = { id, externalPath, restoreTimestamp };
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
