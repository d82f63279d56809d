import { SpindleError, childPath, errorMessage, getLogger, systemScheduler, type Cancellable, type Scheduler } from '@spindle/core';
import type { CheckpointKind, CheckpointTriggerSpec, SerializedFailure, TaskCheckpointAck } from '@spindle/protocol';
import type { Execution } from '../executiongraph/execution-graph.js';
import type { CheckpointCoordinatorConfig } from './checkpoint-config.js';
import { CheckpointStats, type CompletedCheckpoint } from './checkpoint-stats.js';
import {
  checkpointLocation,
  discardCheckpoint,
  savepointLocation,
  writeMetadata,
  type CheckpointMetadata,
  type SubtaskStateMetadata,
} from './checkpoint-storage.js';

/**
 * What the coordinator needs of its JobMaster. Called on the JobMaster's event loop; the task
 * calls go through the TaskExecutor gateway and never throw synchronously.
 */
export interface CheckpointCoordinatorContext {
  /** The current attempt of every subtask. */
  executions(): readonly Execution[];
  /** The attempts an execution reads from. */
  producersOf(e: Execution): readonly Execution[];
  triggerTask(e: Execution, trigger: CheckpointTriggerSpec): Promise<void>;
  confirmTask(e: Execution, checkpointId: number): void;
  abortTask(e: Execution, checkpointId: number): void;
  /** More checkpoints failed in a row than tolerated: the job fails (its restart strategy decides what then). */
  failJob(error: SpindleError): void;
}

interface PendingCheckpoint {
  readonly id: number;
  readonly timestamp: number;
  readonly location: string;
  readonly startedAt: number;
  readonly notYetAcknowledged: Map<string, Execution>;
  /** The tasks to notify on completion or abort. */
  readonly tasks: Execution[];
  /**
   * The tasks the checkpoint was triggered at (by attempt id): sources, and tasks whose producers
   * had all finished. A producer that finishes while the checkpoint is pending sends it no barrier,
   * so its consumers are triggered then.
   */
  readonly triggered: Set<string>;
  trigger?: CheckpointTriggerSpec;
  /** By vertex id, per subtask. */
  readonly subtasks: Map<string, SubtaskStateMetadata[]>;
  stateSize: number;
  timeout?: Cancellable;
  /** Set for a savepoint: who waits for its completion. */
  savepoint?: SavepointWaiter;
  /** Set for a checkpoint triggered on request: who waits for its completion. */
  requested?: SavepointWaiter;
}

interface SavepointWaiter {
  resolve(location: string): void;
  reject(error: Error): void;
}

/**
 * The CheckpointCoordinator of one job (Flink's): triggers checkpoints periodically (no sooner than
 * `min-pause` after the last one ended, at most `max-concurrent-checkpoints` at a time) at the
 * tasks that start them (sources, and tasks whose producers all finished), collects every running
 * task's acknowledgement, then writes `_metadata` atomically, keeps `num-retained` completed
 * checkpoints, and notifies the tasks. A timeout, a decline or a failed metadata write aborts the
 * checkpoint and counts against `tolerable-failed-checkpoints`; only completed checkpoints are
 * restored. Finished tasks are recorded as finished in later checkpoints.
 */
export class CheckpointCoordinator {
  private readonly log;
  private readonly pending = new Map<number, PendingCheckpoint>();
  private readonly completed: CompletedCheckpoint[] = [];
  private readonly finalizing = new Set<Promise<void>>();
  private nextId = 1;
  private timer: Cancellable | undefined;
  private periodic = false;
  private owed = false;
  private lastEnd = -Infinity;
  private consecutiveFailures = 0;
  private shutDown = false;
  readonly stats = new CheckpointStats();

  constructor(
    readonly config: CheckpointCoordinatorConfig,
    private readonly jobId: string,
    private readonly ctx: CheckpointCoordinatorContext,
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    this.log = getLogger('checkpoint-coordinator').child({ jobId });
  }

  /** Starts (or resumes after a restart) periodic checkpoints. */
  startScheduler(): void {
    if (this.shutDown || this.periodic || this.config.intervalMs <= 0) return;
    this.periodic = true;
    this.schedule(this.config.intervalMs);
  }

  /** Stops periodic checkpoints and aborts those in progress (the job restarts or ended); nothing is counted. */
  stopScheduler(reason: string): void {
    this.periodic = false;
    this.owed = false;
    this.timer?.cancel();
    this.timer = undefined;
    for (const p of [...this.pending.values()]) this.abort(p, reason, false, false);
  }

  /** The latest completed checkpoint, once any checkpoint whose metadata is being written is done. */
  async latestCompleted(): Promise<CompletedCheckpoint | undefined> {
    while (this.finalizing.size > 0) await Promise.all(this.finalizing);
    return this.completed[this.completed.length - 1];
  }

  /** The job ended: no more checkpoints; the retained ones are deleted unless kept. */
  async shutdown(discard: boolean): Promise<void> {
    this.stopScheduler('the job ended');
    this.shutDown = true;
    await Promise.all(this.finalizing);
    if (!discard) return;
    this.completed.splice(0);
    await this.discard(childPath(this.config.baseDir, this.jobId));
  }

  /** Triggers a checkpoint now; undefined when the job cannot take one (tasks not all running). */
  triggerCheckpoint(): number | undefined {
    return this.trigger('CHECKPOINT')?.id;
  }

  /**
   * Triggers a checkpoint now, on request (Flink's `POST /jobs/:jobid/checkpoints`), besides the
   * periodic ones; resolves with its id once it completed (it is then one of the retained
   * checkpoints), rejects when it could not be triggered or failed.
   */
  triggerCheckpointOnRequest(): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve: () => resolve(p!.id), reject };
      const p = this.trigger('CHECKPOINT', undefined, undefined, undefined, waiter);
      if (p === undefined)
        reject(
          new SpindleError('The checkpoint could not be triggered: not all tasks of the job are running.', {
            code: 'CHECKPOINT_NOT_TRIGGERED',
            recoverability: 'recoverable',
            userFacing: true,
          }),
        );
    });
  }

  /**
   * Triggers a savepoint into its own directory under `targetDir` (Flink's `savepoint-<jobid6>-<random>`);
   * resolves with that directory once its `_metadata` is written. With `drain`, sources first emit
   * the end of event time, so that every event-time timer fires before the snapshot. A savepoint
   * is not one of the retained checkpoints: it is never deleted by the job.
   */
  triggerSavepoint(targetDir: string, options: { kind?: CheckpointKind; drain?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const p = this.trigger(options.kind ?? 'SAVEPOINT_CANONICAL', savepointLocation(targetDir, this.jobId), options.drain, {
        resolve,
        reject,
      });
      if (p === undefined)
        reject(
          new SpindleError('The savepoint could not be triggered: not all tasks of the job are running.', {
            code: 'SAVEPOINT_NOT_TRIGGERED',
            recoverability: 'recoverable',
            userFacing: true,
          }),
        );
    });
  }

  /** The job starts from checkpoint or savepoint `id`: later checkpoints get higher ids (as in Flink). */
  restoredFrom(id: number): void {
    this.nextId = Math.max(this.nextId, id + 1);
  }

  private trigger(
    kind: CheckpointKind,
    location?: string,
    drain?: boolean,
    savepoint?: SavepointWaiter,
    requested?: SavepointWaiter,
  ): PendingCheckpoint | undefined {
    const executions = this.ctx.executions();
    const notReady = executions.some((e) => e.state !== 'RUNNING' && e.state !== 'FINISHED');
    const anyFinished = executions.some((e) => e.state === 'FINISHED');
    if (this.shutDown || notReady || executions.every((e) => e.state === 'FINISHED')) return undefined;
    if (anyFinished && !this.config.afterTasksFinish) return undefined;
    const p = this.createPending(executions, location, savepoint);
    if (requested) p.requested = requested;
    this.pending.set(p.id, p);
    this.stats.reportPending(p.id, p.timestamp, subtasksPerVertex(executions), savepoint !== undefined);
    for (const [vertexId, subtasks] of p.subtasks)
      subtasks.forEach((s, index) => {
        if (s?.finished) this.stats.reportAcknowledged(p.id, vertexId, index, p.timestamp);
      });
    p.timeout = this.scheduler.schedule(
      () => this.abortIfPending(p.id, `Checkpoint expired before completing (after ${this.config.timeoutMs} ms).`),
      this.config.timeoutMs,
    );
    const trigger: CheckpointTriggerSpec = {
      checkpointId: p.id,
      timestamp: p.timestamp,
      kind,
      mode: this.config.mode,
      location: p.location,
    };
    if (drain) trigger.drain = true;
    p.trigger = trigger;
    this.triggerReadyTasks(p);
    this.log.debug('checkpoint triggered', { checkpointId: p.id, kind, tasks: p.tasks.length });
    return p;
  }

  /**
   * Triggers the checkpoint at every task of `p` not triggered yet whose producers all finished
   * (every task without producers included): no barrier will reach them.
   */
  private triggerReadyTasks(p: PendingCheckpoint): void {
    for (const e of p.tasks) {
      if (p.triggered.has(e.attemptId) || !p.notYetAcknowledged.has(e.attemptId)) continue;
      if (!this.ctx.producersOf(e).every((producer) => producer.state === 'FINISHED')) continue;
      p.triggered.add(e.attemptId);
      // A task that ended meanwhile (its end not reported yet) is not ready: not counted as a failure.
      this.ctx
        .triggerTask(e, p.trigger!)
        .catch((error: unknown) => this.abortIfPending(p.id, `Triggering the checkpoint failed: ${errorMessage(error)}`, false));
    }
  }

  private createPending(executions: readonly Execution[], location?: string, savepoint?: SavepointWaiter): PendingCheckpoint {
    const id = this.nextId++;
    const p: PendingCheckpoint = {
      id,
      timestamp: this.scheduler.now(),
      location: location ?? checkpointLocation(this.config.baseDir, this.jobId, id),
      ...(savepoint ? { savepoint } : {}),
      startedAt: this.scheduler.now(),
      notYetAcknowledged: new Map(),
      tasks: [],
      triggered: new Set(),
      subtasks: new Map(),
      stateSize: 0,
    };
    for (const e of executions) {
      if (!p.subtasks.has(e.vertex.id)) p.subtasks.set(e.vertex.id, []);
      if (e.state === 'FINISHED') this.record(p, e, { finished: true, operators: {} });
      else {
        p.notYetAcknowledged.set(e.attemptId, e);
        p.tasks.push(e);
      }
    }
    return p;
  }

  receiveAcknowledge(attemptId: string, checkpointId: number, ack: TaskCheckpointAck): void {
    const p = this.pending.get(checkpointId);
    const e = p?.notYetAcknowledged.get(attemptId);
    if (p === undefined || e === undefined) return;
    p.notYetAcknowledged.delete(attemptId);
    p.stateSize += ack.stateSize;
    this.stats.reportAcknowledged(p.id, e.vertex.id, e.subtaskIndex, this.scheduler.now(), ack);
    this.record(p, e, { finished: ack.finished, operators: ack.operators });
    if (p.notYetAcknowledged.size === 0) this.complete(p);
  }

  receiveDecline(attemptId: string, checkpointId: number, failure: SerializedFailure): void {
    const e = this.pending.get(checkpointId)?.notYetAcknowledged.get(attemptId);
    if (e === undefined) return;
    this.abortIfPending(
      checkpointId,
      `Task ${e.vertex.name} (${e.subtaskIndex + 1}/${e.vertex.parallelism}) declined the checkpoint: ${failure.message}`,
    );
  }

  /** A task finished: pending checkpoints that still wait for it take it as finished. */
  executionFinished(e: Execution): void {
    for (const p of [...this.pending.values()]) {
      if (!p.notYetAcknowledged.delete(e.attemptId)) continue;
      this.stats.reportAcknowledged(p.id, e.vertex.id, e.subtaskIndex, this.scheduler.now());
      this.record(p, e, { finished: true, operators: {} });
      if (p.notYetAcknowledged.size === 0) this.complete(p);
      else this.triggerReadyTasks(p);
    }
  }

  private record(p: PendingCheckpoint, e: Execution, state: SubtaskStateMetadata): void {
    p.subtasks.get(e.vertex.id)![e.subtaskIndex] = state;
  }

  private complete(p: PendingCheckpoint): void {
    p.timeout?.cancel();
    this.pending.delete(p.id);
    const done = this.finalize(p).finally(() => this.finalizing.delete(done));
    this.finalizing.add(done);
  }

  private async finalize(p: PendingCheckpoint): Promise<void> {
    let written: { path: string; size: number };
    try {
      written = await writeMetadata(p.location, this.metadataOf(p));
    } catch (e) {
      this.failed(p, `Writing the checkpoint metadata failed: ${errorMessage(e)}`, true, true);
      return;
    }
    const checkpoint: CompletedCheckpoint = {
      id: p.id,
      timestamp: p.timestamp,
      location: p.location,
      metadataPath: written.path,
      stateSize: p.stateSize + written.size,
      durationMs: this.scheduler.now() - p.startedAt,
      completedAt: this.scheduler.now(),
    };
    if (p.savepoint === undefined) this.completed.push(checkpoint);
    this.consecutiveFailures = 0;
    this.stats.reportCompleted(checkpoint);
    this.log.debug('checkpoint completed', { checkpointId: p.id, durationMs: checkpoint.durationMs, stateSize: checkpoint.stateSize });
    while (this.completed.length > this.config.numRetained) await this.discard(this.completed.shift()!.location);
    for (const e of p.tasks) this.ctx.confirmTask(e, p.id);
    p.savepoint?.resolve(p.location);
    p.requested?.resolve(p.location);
    this.ended();
  }

  private metadataOf(p: PendingCheckpoint): CheckpointMetadata {
    const vertices = [...p.subtasks].map(([vertexId, subtasks]) => {
      const v = this.ctx.executions().find((e) => e.vertex.id === vertexId)!.vertex;
      return {
        vertexId,
        name: v.name,
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        operatorIds: v.operators.map((o) => o.id),
        operatorUids: v.operators.map((o) => o.uid ?? null),
        subtasks,
      };
    });
    return { jobId: this.jobId, checkpointId: p.id, timestamp: p.timestamp, ...(p.savepoint ? { savepoint: true } : {}), vertices };
  }

  private abortIfPending(checkpointId: number, reason: string, counted = true): void {
    const p = this.pending.get(checkpointId);
    if (p !== undefined) this.abort(p, reason, counted, true);
  }

  private abort(p: PendingCheckpoint, reason: string, counted: boolean, notify: boolean): void {
    p.timeout?.cancel();
    this.pending.delete(p.id);
    this.failed(p, reason, counted, notify);
  }

  private failed(p: PendingCheckpoint, reason: string, counted: boolean, notify: boolean): void {
    this.log.warn('checkpoint failed', { checkpointId: p.id, reason });
    this.stats.reportFailed(p.id, this.scheduler.now(), reason);
    p.savepoint?.reject(new SpindleError(reason, { code: 'SAVEPOINT_FAILED', recoverability: 'recoverable', userFacing: true }));
    p.requested?.reject(new SpindleError(reason, { code: 'CHECKPOINT_FAILED', recoverability: 'recoverable', userFacing: true }));
    if (notify) for (const e of p.tasks) this.ctx.abortTask(e, p.id);
    void this.discard(p.location);
    this.ended();
    if (!counted) return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures > this.config.tolerableFailures) {
      this.consecutiveFailures = 0;
      this.ctx.failJob(
        new SpindleError(`Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed: ${reason}`, {
          code: 'CHECKPOINT_TOLERABLE_FAILURES_EXCEEDED',
          recoverability: 'recoverable',
        }),
      );
    }
  }

  private async discard(location: string): Promise<void> {
    await discardCheckpoint(location).catch((e: unknown) => this.log.warn('could not delete a checkpoint', { location, error: e }));
  }

  private schedule(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.scheduler.schedule(() => this.onTimer(), Math.max(0, delayMs));
  }

  /** Periodic trigger: waits while `max-concurrent-checkpoints` are in progress or `min-pause` has not passed. */
  private onTimer(): void {
    this.timer = undefined;
    if (!this.periodic) return;
    if (this.pending.size + this.finalizing.size >= this.config.maxConcurrent) {
      this.owed = true;
      return;
    }
    const pause = this.lastEnd + this.config.minPauseMs - this.scheduler.now();
    if (pause > 0) return this.schedule(pause);
    this.schedule(this.config.intervalMs);
    this.triggerCheckpoint();
  }

  /** A checkpoint ended (completed or failed): a trigger held back for it may go now. */
  private ended(): void {
    this.lastEnd = this.scheduler.now();
    if (!this.owed || !this.periodic) return;
    this.owed = false;
    this.schedule(this.config.minPauseMs);
  }
}

function subtasksPerVertex(executions: readonly Execution[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of executions) counts.set(e.vertex.id, (counts.get(e.vertex.id) ?? 0) + 1);
  return counts;
}
