import fs from 'node:fs';
import type { SpillFileHandle, SpillFileWriter } from './spill-files.js';

const LENGTH_BYTES = 4;
/** Entries of a sorted run read ahead of their copy (see `RunWriter.writeInOrder`). */
const PREFETCH_ENTRIES = 16;
/** Keeps the reads ahead from being optimized away. */
let _prefetchSink = 0;

/** Spill files on the local disk. */
export const localSpillFileWriter: SpillFileWriter = {
  open(file) {
    const fd = fs.openSync(file, 'wx', 0o600);
    return {
      write(bytes) {
        let done = 0;
        while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      },
      close() {
        fs.closeSync(fd);
      },
    };
  },
};

/**
 * Writes a sorted run: each record as a 4-byte little-endian length and its serialized bytes,
 * through a write buffer of `bufferSize` bytes. A failed write closes the file and throws the
 * spill error of `files` (ENOSPC names the directory); the caller removes the files.
 */
export class RunWriter {
  private readonly handle: SpillFileHandle;
  private readonly buf: Buffer;
  private pos = 0;
  bytesWritten = 0;

  constructor(
    readonly file: string,
    private readonly files: { writeFailure(file: string, e: unknown): Error },
    writer: SpillFileWriter,
    bufferSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(bufferSize);
    try {
      this.handle = writer.open(file);
    } catch (e) {
      throw files.writeFailure(file, e);
    }
  }

  /** Writes the record at [start, end) of `bytes`. */
  write(bytes: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.pos + LENGTH_BYTES + length > this.buf.length) this.flush();
    if (LENGTH_BYTES + length > this.buf.length) {
      const header = Buffer.allocUnsafe(LENGTH_BYTES);
      header.writeUInt32LE(length, 0);
      this.writeOut(header);
      this.writeOut(bytes.subarray(start, end));
      return;
    }
    const buf = this.buf;
    buf.writeUInt32LE(length, this.pos);
    const at = this.pos + LENGTH_BYTES;
    bytes.copy(buf, at, start, end);
    this.pos = at + length;
  }

  /**
   * Writes the entries of `arena` in `order` (entry i spans [offsets[i], offsets[i + 1])). The
   * entries are scattered over the arena: each group of PREFETCH_ENTRIES is read once before it is
   * copied, so that their cache misses overlap instead of stalling each copy in turn.
   */
  writeInOrder(arena: Buffer, offsets: Uint32Array, order: Int32Array): void {
    let touched = 0;
    for (let from = 0; from < order.length; from += PREFETCH_ENTRIES) {
      const to = Math.min(order.length, from + PREFETCH_ENTRIES);
      for (let n = from; n < to; n++) {
        const i = order[n]!;
        touched ^= arena[offsets[i]!]! ^ arena[offsets[i + 1]! - 1]!;
      }
      for (let n = from; n < to; n++) {
        const i = order[n]!;
        this.write(arena, offsets[i]!, offsets[i + 1]!);
      }
    }
    _prefetchSink ^= touched;
  }

  /** Writes what is buffered and closes the file. */
  finish(): void {
    this.flush();
    try {
      this.handle.close();
    } catch (e) {
      throw this.files.writeFailure(this.file, e);
    }
  }

  /** Closes the file after a failure, ignoring further errors. */
  abandon(): void {
    try {
      this.handle.close();
    } catch {
      // The write failure is what the task reports.
    }
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.writeOut(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private writeOut(bytes: Uint8Array): void {
    try {
      this.handle.write(bytes);
    } catch (e) {
      this.abandon();
      throw this.files.writeFailure(this.file, e);
    }
    this.bytesWritten += bytes.length;
  }
}

/**
 * Reads the records of a run in order: `next()` returns the length of the next record, which is at
 * `start` of `buffer` until the next call (-1 at the end of the run).
 */
export class RunReader {
  private readonly fd: number;
  private buf: Buffer;
  start = 0;
  private pos = 0;
  private end = 0;
  private eof = false;
  private closed = false;

  constructor(
    readonly file: string,
    bufferSize: number,
  ) {
    this.fd = fs.openSync(file, 'r');
    this.buf = Buffer.allocUnsafe(bufferSize);
  }

  get buffer(): Buffer {
    return this.buf;
  }

  next(): number {
    if (this.end - this.pos < LENGTH_BYTES && !this.ensure(LENGTH_BYTES)) return -1;
    const length = this.buf.readUInt32LE(this.pos);
    if (this.end - this.pos < LENGTH_BYTES + length && !this.ensure(LENGTH_BYTES + length))
      throw new Error(`truncated spill file ${this.file}`);
    this.start = this.pos + LENGTH_BYTES;
    this.pos = this.start + length;
    return length;
  }

  /** Idempotent: a descriptor closed twice could close a file opened since under the same number. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /** Makes `n` bytes available from `pos`; false at the end of the file. */
  private ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(n);
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.end -= this.pos;
    this.pos = 0;
    while (!this.eof && this.end < n) {
      const read = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (read === 0) this.eof = true;
      this.end += read;
    }
    return this.end >= n;
  }
}
