import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { childPath, fileSystemFor, type Cancellable, type FileSystem } from '@spindle/core';
import type { AvailabilityProvider, OperatorContext, TextLinesInput } from '@spindle/runtime/task';
import { AbstractOperator } from '../operators/basic-operators.js';
import { formatRecord } from './format.js';
import { sinkError } from './output-directory.js';
import { commitPart, partFileNames } from './part-files.js';

/** Buffer's native UTF-8 encoder, without the argument checks of `write` (the room is checked before). */
const { utf8Write } = Buffer.prototype as unknown as { utf8Write: (this: Buffer, s: string, offset: number) => number };

const FLUSH_BYTES = 1 << 18;
/** The text sink's line buffer: FLUSH_BYTES and room for a line of up to 64 KiB bytes beyond. */
const TEXT_BUFFER_BYTES = FLUSH_BYTES + (1 << 16);

/** Prints records to stdout (stderr for printToErr), prefixed `<subtask>> ` when parallel. */
export class PrintSinkOperator extends AbstractOperator {
  private pending: string[] = [];
  private size = 0;
  private prefix = '';
  private timer: Cancellable | undefined;

  constructor(
    private readonly toErr: boolean,
    private readonly identifier: string | undefined,
  ) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const sub = ctx.parallelism > 1 ? `${ctx.subtaskIndex + 1}` : '';
    if (this.identifier && sub) this.prefix = `${this.identifier}:${sub}> `;
    else if (this.identifier || sub) this.prefix = `${this.identifier ?? sub}> `;
  }

  processElement(record: unknown): void {
    const line = this.prefix + formatRecord(record) + '\n';
    this.pending.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_BYTES) this.flush();
    else
      this.timer ??= this.ctx.processingTimeService.registerTimer(this.ctx.processingTimeService.currentProcessingTime() + 50, () =>
        this.flush(),
      );
  }

  override close(): void {
    this.flush();
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending.length === 0) return;
    (this.toErr ? process.stderr : process.stdout).write(this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
}

/**
 * Writes one part file per subtask into a directory, through the FileSystem port (any scheme).
 * The file is written as `.part-<subtask>-0.inprogress`; at the end of input, once every byte is
 * durable, it becomes pending, and when every subtask's file is pending they are all renamed to
 * `part-<subtask>-0` (see part-files.ts), so a failed job leaves no finished part files behind,
 * even of subtasks that ended before another failed. Writes are streamed; while the file system
 * lags, the task takes no more input.
 */
export class TextFileSinkOperator extends AbstractOperator implements AvailabilityProvider, TextLinesInput {
  private fs: FileSystem | undefined;
  private writer: Writable | undefined;
  private failure: Error | undefined;
  /** The lines not written yet, UTF-8 encoded; a new buffer after each write (the stream keeps the old one). */
  private buf = Buffer.allocUnsafe(TEXT_BUFFER_BYTES);
  private pos = 0;
  private inProgress = '';

  constructor(private readonly directory: string) {
    super();
  }

  // The task awaits open (StreamOperator.open may return a promise); the base class's open is synchronous.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async open(ctx: OperatorContext): Promise<void> {
    super.open(ctx);
    try {
      const fs = (this.fs = (await fileSystemFor(this.directory, ctx.config)).fs);
      await fs.mkdirs(this.directory);
      this.inProgress = childPath(this.directory, partFileNames(ctx.subtaskIndex).inProgress);
      this.writer = await fs.create(this.inProgress, { overwrite: true });
      this.writer.on('error', (e) => (this.failure ??= e));
    } catch (e) {
      throw sinkError(this.directory, e);
    }
  }

  processElement(record: unknown): void {
    const line = formatRecord(record);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (!this.room(3 * line.length + 1)) {
      this.write(Buffer.from(line + '\n'));
      return;
    }
    this.pos += utf8Write.call(this.buf, line, this.pos);
    this.buf[this.pos++] = 0x0a;
    if (this.pos >= FLUSH_BYTES) this.flush();
  }

  /** Lines already as UTF-8, each ending in `\n` (TextLinesInput): what processElement writes for each line as a string. */
  processTextLines(bytes: Uint8Array): void {
    if (!this.room(bytes.length)) {
      // The stream keeps what it is given until written; `bytes` is only lent.
      this.write(Buffer.from(bytes));
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    if (this.pos >= FLUSH_BYTES) this.flush();
  }

  /** Makes room for `bytes` more in the line buffer, flushing it when full; false when they would never fit (write them alone). */
  private room(bytes: number): boolean {
    if (this.pos + bytes <= this.buf.length) return true;
    this.flush();
    return bytes <= this.buf.length;
  }

  isAvailable(): boolean {
    return this.writer === undefined || !this.writer.writableNeedDrain;
  }

  whenAvailable(): Promise<void> {
    const out = this.writer;
    if (out === undefined || !out.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
    });
  }

  override async finish(): Promise<void> {
    this.flush();
    const out = this.writer!;
    this.writer = undefined;
    try {
      out.end();
      await finished(out);
      await commitPart(this.fs!, this.directory, this.ctx.subtaskIndex, this.ctx.parallelism);
    } catch (e) {
      throw sinkError(this.directory, e);
    }
  }

  override close(): void {
    // After a failure the in-progress file stays unfinished (and unrenamed).
    this.writer?.destroy();
    this.writer = undefined;
  }

  private flush(): void {
    if (this.failure !== undefined) throw sinkError(this.directory, this.failure);
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(TEXT_BUFFER_BYTES);
    this.pos = 0;
  }

  private write(bytes: Buffer): void {
    if (this.failure !== undefined) throw sinkError(this.directory, this.failure);
    this.writer!.write(bytes);
  }
}

/** Keeps every record and hands them to the job result as an accumulator (executeAndCollect). */
export class CollectSinkOperator extends AbstractOperator {
  private records: unknown[] = [];

  constructor(private readonly accumulator: string) {
    super();
  }

  processElement(record: unknown): void {
    this.records.push(record);
  }

  override finish(): void {
    this.ctx.addAccumulator(this.accumulator, this.records);
    this.records = [];
  }
}
