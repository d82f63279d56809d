import fs from 'node:fs';
import path from 'node:path';
import { SpindleError, errorMessage, type Cancellable } from '@spindle/core';
import type { OperatorContext } from '@spindle/runtime/in-process';
import { AbstractOperator } from '../operators/basic-operators.js';
import { formatRecord } from './format.js';

const FLUSH_BYTES = 1 << 18;

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
 * Writes one part file per subtask into a directory. The file is written as
 * `.part-<subtask>-0.inprogress` and renamed to `part-<subtask>-0` when the input ends, so a
 * failed job leaves no finished part files behind.
 */
export class TextFileSinkOperator extends AbstractOperator {
  private fd = -1;
  private chunks: string[] = [];
  private size = 0;
  private inProgress = '';
  private finished = '';

  constructor(private readonly directory: string) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      this.inProgress = path.join(this.directory, `.part-${ctx.subtaskIndex}-0.inprogress`);
      this.finished = path.join(this.directory, `part-${ctx.subtaskIndex}-0`);
      this.fd = fs.openSync(this.inProgress, 'w');
    } catch (e) {
      throw new SpindleError(`cannot write to output directory ${this.directory}: ${errorMessage(e)}`, {
        code: 'SINK_IO',
        userFacing: true,
        recoverability: 'environment',
        cause: e,
      });
    }
  }

  processElement(record: unknown): void {
    const line = formatRecord(record) + '\n';
    this.chunks.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  override finish(): void {
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
    fs.renameSync(this.inProgress, this.finished);
  }

  override close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    fs.writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
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
