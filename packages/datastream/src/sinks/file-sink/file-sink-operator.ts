import { randomUUID } from 'node:crypto';
import { childPath, fileSystemFor, type Cancellable, type FileSystem } from '@spindle/core';
import {
  OperatorStateStore,
  type ListState,
  type OperatorContext,
  type OperatorStateSnapshot,
  type StateInitializationContext,
  type StateSnapshotContext,
  type StreamOperator,
  type Watermark,
  type WatermarkStatus,
} from '@spindle/runtime/task';
import { AssignerContext } from './assigner-context.js';
import type { BucketAssigner } from './bucket-assigners.js';
import { commitPendingFile, recoverInProgressFile } from './committer.js';
import { commitsAtEndOfInput } from './commit-mode.js';
import type { Encoder } from './encoder.js';
import { FileSinkError, sinkIoError } from './file-sink-errors.js';
import {
  bucketStates,
  isResumable,
  pendingFiles,
  type BucketState,
  type PendingFileState,
  type ResumableBucketState,
} from './file-sink-state.js';
import { FileWriterBucket, type BucketContext } from './file-writer-bucket.js';
import type { OutputFileConfig } from './output-file-config.js';
import type { PendingFile } from './part-file.js';
import type { RollingPolicy } from './rolling-policy.js';

/** What a FileSink's builder fixed: the operator of every subtask is made from it. */
export interface FileSinkSpec<IN> {
  readonly basePath: string;
  readonly encoder: Encoder<IN>;
  readonly bucketAssigner: BucketAssigner<IN>;
  readonly rollingPolicy: RollingPolicy<IN>;
  readonly outputFileConfig: OutputFileConfig;
  /** Milliseconds between two checks of the time-based rolling conditions. */
  readonly bucketCheckInterval: number;
}

/** Pending files are committed this many at a time. */
const COMMIT_CONCURRENCY = 8;

/**
 * The FileSink of one subtask: Flink's FileWriter and FileCommitter in one operator, exactly once
 * by two-phase commit. Elements go to the in-progress part file of their bucket; rolled files
 * become pending. At a checkpoint, the pending files are assigned to it and each in-progress file
 * is made durable (its stream finished) and recorded with its valid length; when the checkpoint
 * completes, its pending files (and those of earlier checkpoints) are renamed to their final
 * names. A restore commits the pending files the checkpoint recorded (idempotently), cuts each
 * in-progress file back to its recorded length and continues it; files written after the
 * checkpoint stay hidden in-progress files and are never committed.
 *
 * At the end of input, every part file is closed. In BATCH, or without checkpointing, the sink
 * commits them at once; with checkpointing in STREAMING, the final checkpoint taken after the
 * tasks finish commits them (`execution.checkpointing.checkpoints-after-tasks-finish`).
 */
export class FileSinkOperator<IN> implements StreamOperator {
  private readonly sink: string;
  private ctx!: OperatorContext;
  private readonly stateStore = new OperatorStateStore();
  private watermark: Watermark = Number.NEGATIVE_INFINITY;
  private fs!: FileSystem;
  private bucketContext!: BucketContext<IN>;
  private readonly buckets = new Map<string, FileWriterBucket<IN>>();
  /** Closed files not yet assigned to a checkpoint (merged restored files, and the last ones at the end of input). */
  private unassigned: PendingFile[] = [];
  private readonly pendingByCheckpoint = new Map<number, PendingFile[]>();
  private bucketState!: ListState<BucketState>;
  private pendingState!: ListState<PendingFileState>;
  private restoredBuckets: ResumableBucketState[] = [];
  private restoredPending: PendingFileState[] = [];
  private readonly assignerContext = new AssignerContext();
  private timer: Cancellable | undefined;
  private failure: Error | undefined;
  private commitAtEnd = true;
  private ended = false;

  constructor(private readonly spec: FileSinkSpec<IN>) {
    this.sink = `FileSink to ${spec.basePath}`;
  }

  initializeState(context: StateInitializationContext): void {
    if (context.restoredState?.operator) this.stateStore.restore(context.restoredState.operator);
    this.bucketState = this.stateStore.getListState(bucketStates());
    this.pendingState = this.stateStore.getListState(pendingFiles());
    this.restoredBuckets = this.bucketState.get().filter(isResumable);
    this.restoredPending = this.pendingState.get();
  }

  /** Commits what the restored checkpoint left pending and resumes its in-progress files, before any element. */
  async open(ctx: OperatorContext): Promise<void> {
    this.ctx = ctx;
    this.commitAtEnd = commitsAtEndOfInput(ctx.runtimeMode, ctx.config);
    this.fs = await this.fileSystem(ctx);
    this.bucketContext = {
      fs: this.fs,
      sink: this.sink,
      encoder: this.spec.encoder,
      rollingPolicy: this.spec.rollingPolicy,
      outputFileConfig: this.spec.outputFileConfig,
      uid: randomUUID(),
      subtaskIndex: ctx.subtaskIndex,
      onError: (e, path) => this.fail(e, path),
    };
    await forEachLimit(this.restoredPending, (file) => commitPendingFile(this.fs, file, this.sink));
    await forEachLimit(this.restoredBuckets, (b) => recoverInProgressFile(this.fs, b.inProgress, this.sink));
    for (const state of this.restoredBuckets) this.resume(state);
    this.restoredBuckets = [];
    this.restoredPending = [];
    this.scheduleBucketCheck();
  }

  processElement(value: unknown, _inputIndex: number, timestamp?: number): void {
    this.throwIfFailed();
    const now = this.ctx.processingTimeService.currentProcessingTime();
    this.assignerContext.update(timestamp, this.watermark, now);
    this.bucketFor(this.bucketIdOf(value)).write(value as IN, now);
  }

  /** A sink forwards watermarks only for the task's output watermark metric; bucket assigners may read the last one. */
  processWatermark(mark: Watermark): void {
    this.watermark = mark;
    this.ctx.output.emitWatermark(mark);
  }

  processWatermarkStatus(status: WatermarkStatus): void {
    this.ctx.output.emitWatermarkStatus(status);
  }

  async finish(): Promise<void> {
    this.throwIfFailed();
    this.ended = true;
    this.unassigned.push(...(await this.prepareCommit(true)));
    if (this.commitAtEnd) {
      const all = [...this.pendingByCheckpoint.values()].flat().concat(this.unassigned);
      await this.commit(all);
      this.pendingByCheckpoint.clear();
      this.unassigned = [];
    }
  }

  async snapshotState(context: StateSnapshotContext): Promise<OperatorStateSnapshot> {
    this.throwIfFailed();
    const pending = this.unassigned.concat(await this.prepareCommit(false));
    this.unassigned = [];
    if (pending.length > 0) this.pendingByCheckpoint.set(context.checkpointId, pending);
    const states = await this.io(Promise.all([...this.buckets.values()].map((b) => b.snapshotState())));
    this.bucketState.update(states.filter((s): s is BucketState => s !== undefined));
    this.pendingState.update([...this.pendingByCheckpoint].flatMap(([checkpointId, files]) => files.map((f) => ({ ...f, checkpointId }))));
    return { operator: this.stateStore.snapshot() };
  }

  /** Commits the pending files of `checkpointId` and of every earlier checkpoint (whose notification may have been lost). */
  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    for (const [id, files] of [...this.pendingByCheckpoint].sort(([a], [b]) => a - b)) {
      if (id > checkpointId) break;
      await this.commit(files);
      this.pendingByCheckpoint.delete(id);
    }
  }

  /** Nothing to undo: the aborted checkpoint's pending files are committed by the next one that completes. */
  async notifyCheckpointAborted(_checkpointId: number): Promise<void> {}

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const bucket of this.buckets.values()) bucket.dispose();
    this.buckets.clear();
    const uncommitted = [...this.pendingByCheckpoint.values()].flat().length + this.unassigned.length;
    if (this.ended && this.failure === undefined && uncommitted > 0) {
      this.ctx.log.warn('part files left pending: no checkpoint completed after the end of input', {
        sink: this.spec.basePath,
        pendingFiles: uncommitted,
      });
    }
  }

  private async fileSystem(ctx: OperatorContext): Promise<FileSystem> {
    try {
      return (await fileSystemFor(this.spec.basePath, ctx.config)).fs;
    } catch (e) {
      throw sinkIoError(this.sink, `cannot use ${this.spec.basePath}`, e);
    }
  }

  private resume(state: ResumableBucketState): void {
    // Two restored subtasks wrote the same bucket (a lower parallelism): one file goes on, the other is closed.
    if (!this.buckets.has(state.bucketId)) return void this.buckets.set(state.bucketId, FileWriterBucket.resume(this.bucketContext, state));
    const { tempPath, targetPath, length } = state.inProgress;
    this.unassigned.push({ tempPath, targetPath, length });
  }

  private bucketIdOf(value: unknown): string {
    let id: unknown;
    try {
      id = this.spec.bucketAssigner.getBucketId(value as IN, this.assignerContext);
    } catch (e) {
      throw new FileSinkError(this.sink, `the bucket assigner failed: ${e instanceof Error ? e.message : String(e)}`, {
        code: 'FILE_SINK_BUCKET_ASSIGNER',
        recoverability: 'recoverable',
        userFacing: true,
        cause: e,
      });
    }
    if (typeof id !== 'string' || id.split(/[/\\]/).includes('..')) {
      throw new FileSinkError(
        this.sink,
        `the bucket assigner returned ${JSON.stringify(id)}: a bucket id is a relative path inside the base path`,
        {
          code: 'FILE_SINK_BUCKET_ASSIGNER',
          recoverability: 'non-recoverable',
          userFacing: true,
        },
      );
    }
    return id;
  }

  private bucketFor(bucketId: string): FileWriterBucket<IN> {
    let bucket = this.buckets.get(bucketId);
    if (bucket === undefined) {
      const bucketPath = bucketId === '' ? this.spec.basePath : childPath(this.spec.basePath, bucketId);
      bucket = new FileWriterBucket(this.bucketContext, bucketId, bucketPath);
      this.buckets.set(bucketId, bucket);
    }
    return bucket;
  }

  /** Closes what the rolling policy (or `flush`) closes and gathers every bucket's pending files; drops idle buckets. */
  private async prepareCommit(flush: boolean): Promise<PendingFile[]> {
    const pending: Array<Promise<PendingFile[]>> = [];
    for (const [id, bucket] of this.buckets) {
      if (!bucket.isActive()) this.buckets.delete(id);
      else pending.push(bucket.prepareCommit(flush));
    }
    return (await this.io(Promise.all(pending))).flat();
  }

  private async commit(files: PendingFile[]): Promise<void> {
    await forEachLimit(files, (file) => commitPendingFile(this.fs, file, this.sink));
  }

  private scheduleBucketCheck(): void {
    const time = this.ctx.processingTimeService;
    this.timer = time.registerTimer(time.currentProcessingTime() + this.spec.bucketCheckInterval, (now) => {
      this.throwIfFailed();
      for (const bucket of this.buckets.values()) bucket.onProcessingTime(now);
      this.scheduleBucketCheck();
    });
  }

  /** Waits for part file I/O; its failure is thrown as the sink's (naming the sink and the file). */
  private async io<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (e) {
      throw this.failure ?? e;
    }
  }

  private throwIfFailed(): void {
    const failure = this.failure;
    if (failure !== undefined) throw failure;
  }

  /**
   * An asynchronous I/O failure: recorded, thrown by the next call into the operator, and thrown
   * at once from a timer so that the task fails without waiting for an element.
   */
  private fail(error: unknown, path: string): void {
    if (this.failure !== undefined) return;
    const failure = sinkIoError(this.sink, `cannot write part file ${path}`, error);
    this.failure = failure;
    const time = this.ctx.processingTimeService;
    time.registerTimer(time.currentProcessingTime(), () => {
      throw failure;
    });
  }
}

async function forEachLimit<T>(items: readonly T[], fn: (item: T) => Promise<void> | void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(COMMIT_CONCURRENCY, items.length) }, worker));
}
