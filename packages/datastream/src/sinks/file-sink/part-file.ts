import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileSystem } from '@spindle/core';
import type { EncoderOutput } from './encoder.js';

/** Bytes gathered in memory before they go to the file's stream in one write. */
const WRITE_CHUNK_BYTES = 64 * 1024;

/** A closed part file waiting for the checkpoint that covers it to complete, then renamed to its final name. */
export interface PendingFile {
  /** The hidden in-progress file that holds the bytes (`.<part>.inprogress.<uuid>`). */
  readonly tempPath: string;
  /** The name it gets when committed. */
  readonly targetPath: string;
  /** Its valid length: bytes beyond it (written after the checkpoint) are cut on commit. */
  readonly length: number;
}

/** What a checkpoint records of an in-progress file so that a restored job continues it. */
export interface InProgressFileState extends PendingFile {
  readonly creationTime: number;
}

/** What rolling policies see of the in-progress file (Flink's PartFileInfo). */
export interface PartFileInfo {
  readonly bucketId: string;
  /** Processing time at which the file was opened. */
  readonly creationTime: number;
  /** Processing time of the last element written. */
  readonly lastUpdateTime: number;
  /** Bytes written so far. */
  readonly size: number;
}

/**
 * One in-progress part file and its I/O through the FileSystem port. Elements are written
 * synchronously into memory and reach the file's stream in chunks; the file system's calls, which
 * are asynchronous, run one after another on this file (`work`). A failure of any of them goes to
 * `onError` and stops the file's later I/O.
 *
 * WebHDFS has no hflush, so `persist` (at a checkpoint) finishes the stream, which makes every
 * byte written so far durable; the next write reopens the file with `append`.
 */
export class InProgressPartFile implements PartFileInfo, EncoderOutput {
  size: number;
  lastUpdateTime: number;
  private stream: Writable | undefined;
  private chunks: Array<string | Uint8Array> = [];
  private chunkBytes = 0;
  /** Data flushed while no stream was open: written once `open` has one. */
  private pendingOpen: Buffer[] = [];
  private opening = false;
  private exists: boolean;
  private work: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly fs: FileSystem,
    readonly bucketId: string,
    readonly tempPath: string,
    readonly targetPath: string,
    readonly creationTime: number,
    private readonly onError: (error: unknown, path: string) => void,
    /** A file resumed after a restore: it exists with this many valid bytes. */
    resumedLength?: number,
  ) {
    this.exists = resumedLength !== undefined;
    this.size = resumedLength ?? 0;
    this.lastUpdateTime = creationTime;
  }

  /** EncoderOutput: the bytes of the element being encoded. */
  write(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.chunks.push(chunk);
    this.chunkBytes += bytes;
    this.size += bytes;
    if (this.chunkBytes >= WRITE_CHUNK_BYTES) this.flush();
  }

  touch(now: number): void {
    this.lastUpdateTime = now;
  }

  /**
   * Makes every byte written so far durable and resolves to the file's valid length then; the
   * file stays in progress (the checkpoint records it to resume from).
   */
  async persist(): Promise<number> {
    const length = this.size;
    this.flush();
    this.enqueue(async () => {
      const stream = this.stream;
      this.stream = undefined;
      if (stream !== undefined) await endStream(stream);
    });
    await this.work;
    return length;
  }

  /** Persists the file and gives it up for commit: nothing is written to it any more. */
  async closeForCommit(): Promise<PendingFile> {
    const length = await this.persist();
    this.disposed = true;
    return { tempPath: this.tempPath, targetPath: this.targetPath, length };
  }

  state(length: number): InProgressFileState {
    return { tempPath: this.tempPath, targetPath: this.targetPath, length, creationTime: this.creationTime };
  }

  /** Drops the open stream without finishing it (failure or cancellation): unfinished bytes are not durable. */
  dispose(): void {
    this.disposed = true;
    this.chunks = [];
    this.stream?.destroy();
    this.stream = undefined;
  }

  /** Sends the gathered bytes to the stream, opening the file first when it has none (or does not exist yet). */
  private flush(): void {
    if (this.chunks.length > 0) {
      const data = joinChunks(this.chunks);
      this.chunks = [];
      this.chunkBytes = 0;
      if (this.stream !== undefined) return void this.stream.write(data);
      this.pendingOpen.push(data);
    }
    if (this.stream === undefined && !this.opening && (this.pendingOpen.length > 0 || !this.exists)) {
      this.opening = true;
      this.enqueue(() => this.open());
    }
  }

  private async open(): Promise<void> {
    if (this.disposed) return;
    const stream = this.exists ? await this.fs.append(this.tempPath) : await this.fs.create(this.tempPath);
    this.exists = true;
    stream.on('error', (e) => this.onError(e, this.tempPath));
    for (const data of this.pendingOpen) stream.write(data);
    this.pendingOpen = [];
    this.opening = false;
    if (this.disposed) stream.destroy();
    else this.stream = stream;
  }

  private enqueue(op: () => Promise<void>): void {
    this.work = this.work.then(op);
    this.work.catch((e: unknown) => this.onError(e, this.tempPath));
  }
}

function joinChunks(chunks: Array<string | Uint8Array>): Buffer {
  if (chunks.every((c) => typeof c === 'string')) return Buffer.from(chunks.join(''));
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

async function endStream(stream: Writable): Promise<void> {
  stream.end();
  await finished(stream);
}
