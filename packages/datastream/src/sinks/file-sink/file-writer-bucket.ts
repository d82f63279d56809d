import { randomUUID } from 'node:crypto';
import { childPath, type FileSystem } from '@spindle/core';
import type { Encoder } from './encoder.js';
import { FileSinkError } from './file-sink-errors.js';
import type { BucketState, ResumableBucketState } from './file-sink-state.js';
import type { OutputFileConfig } from './output-file-config.js';
import { InProgressPartFile, type PendingFile } from './part-file.js';
import type { RollingPolicy } from './rolling-policy.js';

/** What the buckets of one subtask share: where and how they write, and how part files are named. */
export interface BucketContext<IN> {
  readonly fs: FileSystem;
  /** `FileSink to <base path>`, for messages. */
  readonly sink: string;
  readonly encoder: Encoder<IN>;
  readonly rollingPolicy: RollingPolicy<IN>;
  readonly outputFileConfig: OutputFileConfig;
  /** A random id of this subtask's attempt, so that no two attempts name a part file alike. */
  readonly uid: string;
  readonly subtaskIndex: number;
  /** Where asynchronous I/O failures go. */
  readonly onError: (error: unknown, path: string) => void;
}

/**
 * One bucket of one subtask (Flink's FileWriterBucket): at most one in-progress part file, which
 * the rolling policy closes into a pending file; the pending files wait in `rolled` until the next
 * checkpoint (or the end of input) takes them. Part files are named
 * `<prefix>-<uid>-<subtask>-<counter><suffix>` and written as `.<name>.inprogress.<uuid>`.
 */
export class FileWriterBucket<IN> {
  private inProgress: InProgressPartFile | undefined;
  private partCounter = 0;
  /** Files closed since the last checkpoint, still finishing their I/O. */
  private rolled: Array<Promise<PendingFile>> = [];

  constructor(
    private readonly ctx: BucketContext<IN>,
    readonly bucketId: string,
    readonly bucketPath: string,
  ) {}

  /** A bucket that continues the in-progress file of a restored checkpoint (already cut to its valid length). */
  static resume<IN>(ctx: BucketContext<IN>, state: ResumableBucketState): FileWriterBucket<IN> {
    const bucket = new FileWriterBucket(ctx, state.bucketId, state.bucketPath);
    const file = state.inProgress;
    bucket.inProgress = new InProgressPartFile(
      ctx.fs,
      state.bucketId,
      file.tempPath,
      file.targetPath,
      file.creationTime,
      ctx.onError,
      file.length,
    );
    return bucket;
  }

  write(element: IN, now: number): void {
    let part = this.inProgress;
    if (part === undefined || this.ctx.rollingPolicy.shouldRollOnEvent(part, element)) part = this.roll(now);
    part.touch(now);
    try {
      this.ctx.encoder.encode(element, part);
    } catch (e) {
      throw new FileSinkError(this.ctx.sink, `the encoder failed on an element written to ${part.tempPath}: ${describe(e)}`, {
        code: 'FILE_SINK_ENCODER',
        recoverability: 'recoverable',
        userFacing: true,
        cause: e,
      });
    }
  }

  onProcessingTime(now: number): void {
    const part = this.inProgress;
    if (part !== undefined && this.ctx.rollingPolicy.shouldRollOnProcessingTime(part, now)) this.closePartFile();
  }

  /**
   * The files this bucket has for the checkpoint being taken (or, with `flush`, at the end of
   * input): the in-progress file too when the policy rolls on checkpoints or `flush` is set.
   */
  async prepareCommit(flush: boolean): Promise<PendingFile[]> {
    const part = this.inProgress;
    if (part !== undefined && (flush || this.ctx.rollingPolicy.shouldRollOnCheckpoint(part))) this.closePartFile();
    const rolled = this.rolled;
    this.rolled = [];
    return Promise.all(rolled);
  }

  /** The bucket's state for a checkpoint: its in-progress file made durable, with its valid length. */
  async snapshotState(): Promise<BucketState | undefined> {
    const part = this.inProgress;
    if (part === undefined) return undefined;
    const length = await part.persist();
    return { bucketId: this.bucketId, bucketPath: this.bucketPath, inProgress: part.state(length) };
  }

  isActive(): boolean {
    return this.inProgress !== undefined || this.rolled.length > 0;
  }

  /** Drops the in-progress file's stream without finishing it (failure, cancellation). */
  dispose(): void {
    this.inProgress?.dispose();
    this.inProgress = undefined;
  }

  private roll(now: number): InProgressPartFile {
    this.closePartFile();
    const name = `${this.ctx.outputFileConfig.partPrefix}-${this.ctx.uid}-${this.ctx.subtaskIndex}-${this.partCounter++}${this.ctx.outputFileConfig.partSuffix}`;
    const part = new InProgressPartFile(
      this.ctx.fs,
      this.bucketId,
      childPath(this.bucketPath, `.${name}.inprogress.${randomUUID()}`),
      childPath(this.bucketPath, name),
      now,
      this.ctx.onError,
    );
    this.inProgress = part;
    return part;
  }

  private closePartFile(): void {
    const part = this.inProgress;
    if (part === undefined) return;
    this.inProgress = undefined;
    const closing = part.closeForCommit();
    // Failures are reported through onError at once; the checkpoint that awaits this fails too.
    closing.catch(() => undefined);
    this.rolled.push(closing);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
