import fs from 'node:fs';
import path from 'node:path';
import { SpindleError, errorMessage } from '@spindle/core';
import type { OperatorContext, SourceStatus } from '@spindle/runtime/in-process';
import { AbstractSource } from './source-operators.js';

const CHUNK = 1 << 20;
const EMIT_BYTES = 1 << 16;
const MIN_SPLIT = 4 << 20;

export interface FileSplit {
  file: string;
  start: number;
  end: number;
}

/** The files of a path: the file itself, or the visible files of a directory, sorted. */
export function listInputFiles(input: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch {
    throw new SpindleError(`input path ${input} does not exist`, {
      code: 'INPUT_NOT_FOUND',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
  if (!stat.isDirectory()) return [input];
  return fs
    .readdirSync(input)
    .filter((f) => !f.startsWith('.') && !f.startsWith('_'))
    .sort()
    .map((f) => path.join(input, f))
    .filter((f) => fs.statSync(f).isFile());
}

/** Byte-range splits over the files, about four per subtask, each at least a few MiB. */
export function createSplits(files: string[], parallelism: number): FileSplit[] {
  const sizes = files.map((f) => fs.statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const target = Math.max(MIN_SPLIT, Math.ceil(total / (parallelism * 4)));
  const splits: FileSplit[] = [];
  files.forEach((file, i) => {
    const size = sizes[i]!;
    for (let start = 0; start < size; start += target) splits.push({ file, start, end: Math.min(size, start + target) });
  });
  return splits;
}

/**
 * Reads lines of text files. A split owns the lines that start inside its byte range; the last
 * one is read to its end past the range. Split j goes to subtask j mod p. Its position is the
 * splits it has left, the current one starting at its next line (a split starting right after a
 * newline begins with that line, so a restored split reads on from there).
 */
export class TextFileSource extends AbstractSource<FileSplit> {
  private splits: FileSplit[] = [];
  private current: SplitReader | undefined;

  constructor(private readonly input: string) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const all = createSplits(listInputFiles(this.input), ctx.parallelism);
    this.splits = this.restoredPositions ?? all.filter((_, j) => j % ctx.parallelism === ctx.subtaskIndex);
  }

  protected override currentPositions(): FileSplit[] {
    const current = this.current?.remaining();
    return current === undefined ? this.splits.slice() : [current, ...this.splits];
  }

  emitNext(): SourceStatus {
    while (!this.current) {
      const split = this.splits.shift();
      if (!split) return 'end';
      this.current = new SplitReader(split);
    }
    if (!this.current.emit((line) => this.out.collect(line))) {
      this.current.close();
      this.current = undefined;
    }
    return 'more';
  }

  override close(): void {
    this.current?.close();
  }
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

class SplitReader {
  private readonly fd: number;
  private buf = Buffer.alloc(CHUNK);
  private bufStart = 0;
  private bufEnd = 0;
  private pos: number;
  private filePos: number;
  private eof = false;
  private done = false;

  constructor(private readonly split: FileSplit) {
    try {
      this.fd = fs.openSync(split.file, 'r');
    } catch (e) {
      throw new SpindleError(`cannot read ${split.file}: ${errorMessage(e)}`, {
        code: 'INPUT_IO',
        userFacing: true,
        recoverability: 'environment',
      });
    }
    this.filePos = split.start === 0 ? 0 : split.start - 1;
    this.bufStart = this.filePos;
    this.pos = 0;
    this.fill();
    if (split.start > 0) this.skipPartialLine();
  }

  /**
   * Emits about EMIT_BYTES of whole lines, decoded as one string and split; false when the split
   * is exhausted. The last line taken is the one that starts before the split's end.
   */
  emit(collect: (line: string) => void): boolean {
    if (this.done || this.lineStartOffset() >= this.split.end) {
      this.done = true;
      return false;
    }
    let first = this.buf.indexOf(10, this.pos);
    while ((first < 0 || first >= this.bufEnd) && !this.eof) {
      this.fill();
      first = this.buf.indexOf(10, this.pos);
    }
    if (first < 0 || first >= this.bufEnd) {
      if (this.pos < this.bufEnd) collect(stripCr(this.buf.toString('utf8', this.pos, this.bufEnd)));
      this.done = true;
      return false;
    }
    let last = Math.max(first, this.buf.lastIndexOf(10, Math.min(this.bufEnd, this.pos + EMIT_BYTES) - 1));
    const endInBuf = this.split.end - this.bufStart;
    if (last >= endInBuf) last = Math.max(first, this.buf.indexOf(10, Math.max(this.pos, endInBuf - 1)));
    const lines = this.buf.toString('utf8', this.pos, last).split('\n');
    for (const line of lines) collect(stripCr(line));
    this.pos = last + 1;
    return true;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** The part of the split not read yet, from the start of its next line; undefined when done. */
  remaining(): FileSplit | undefined {
    const start = this.lineStartOffset();
    return this.done || start >= this.split.end ? undefined : { file: this.split.file, start, end: this.split.end };
  }

  private lineStartOffset(): number {
    return this.bufStart + this.pos;
  }

  private skipPartialLine(): void {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0 && nl < this.bufEnd) {
        this.pos = nl + 1;
        return;
      }
      if (this.eof) {
        this.pos = this.bufEnd;
        this.done = true;
        return;
      }
      this.pos = this.bufEnd;
      this.fill();
    }
  }

  /** Keeps the unread tail at the front of the buffer and reads more after it. */
  private fill(): void {
    const keep = this.bufEnd - this.pos;
    if (keep > 0 && this.pos > 0) this.buf.copy(this.buf, 0, this.pos, this.bufEnd);
    this.bufStart += this.pos;
    this.pos = 0;
    this.bufEnd = keep;
    if (this.bufEnd === this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.bufEnd);
      this.buf = bigger;
    }
    const n = fs.readSync(this.fd, this.buf, this.bufEnd, this.buf.length - this.bufEnd, this.filePos);
    this.filePos += n;
    this.bufEnd += n;
    if (n === 0) this.eof = true;
  }
}
