import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { childPath, fileSystemFor, formatFsUri, parseFsUri, randomHexId, type FileSystem } from '@spindle/core';
import {
  FRAME_BUFFER,
  FRAME_HEADER,
  corrupt,
  decodeIndex,
  decodeSubpartitionIndex,
  encodeIndex,
  type Frame,
  type FrameSource,
  type SubpartitionIndex,
} from './blocking-partition-file.js';

/**
 * BLOCKING partitions on a distributed file system (`shuffle.blocking.storage: hdfs://...`), so
 * that a finished partition outlives the TaskManager that wrote it.
 *
 * Layout: `<storage>/<jobId>/<partition>/data` and `.../index`, in the formats of
 * blocking-partition-file.ts, except that the data file holds each subpartition's frames
 * contiguously, subpartition after subpartition: a consumer reads its subpartition with ranged
 * reads of its own bytes only. A partition is written whole into a hidden staging directory
 * beside it and published by renaming that directory, so a partition directory under its final
 * name is always complete. The JobMaster deletes partitions it releases and, when the job ends,
 * `<storage>/<jobId>` as a whole (with the staging directories of attempts that never finished).
 */
export const DFS_DATA = 'data';
export const DFS_INDEX = 'index';

/** Whether `shuffle.blocking.storage` names a distributed file system rather than `local`. */
export function isDfsStorage(storage: string): boolean {
  return storage !== 'local';
}

/** The directory of every DFS partition of a job. */
export function dfsJobDirectory(storage: string, jobId: string): string {
  return childPath(storage, jobId);
}

/** The published directory of one partition. */
export function dfsPartitionDirectory(storage: string, jobId: string, partitionId: string): string {
  return childPath(dfsJobDirectory(storage, jobId), fileName(partitionId));
}

/** Partition ids hold `#`; file names keep letters, digits, `_`, `.` and `-`. */
function fileName(partitionId: string): string {
  return partitionId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * Copies a complete local partition (its data and index files) to `target`, each subpartition's
 * frames contiguous, and publishes it by renaming its staging directory. On failure the staging
 * directory is removed and nothing is published.
 */
export async function publishToDfs(local: { dataPath: string; indexPath: string }, target: string): Promise<void> {
  const index = decodeIndex(fs.readFileSync(local.indexPath), local.indexPath);
  const { fs: dfs } = await fileSystemFor(target);
  const uri = parseFsUri(target);
  const parent = formatFsUri({ ...uri, path: path.posix.dirname(uri.path) });
  const staging = childPath(parent, `.${path.posix.basename(uri.path)}.inprogress-${randomHexId().slice(0, 8)}`);
  try {
    const relocated = relocate(index);
    await writeStream(dfs, childPath(staging, DFS_DATA), Readable.from(subpartitionBytes(local.dataPath, index)));
    await writeStream(dfs, childPath(staging, DFS_INDEX), Readable.from([encodeIndex(relocated)]));
    await dfs.rename(staging, target);
  } catch (e) {
    await dfs.delete(staging, { recursive: true }).catch(() => false);
    throw e;
  }
}

async function writeStream(dfs: FileSystem, file: string, bytes: Readable): Promise<void> {
  await pipeline(bytes, await dfs.create(file, { overwrite: true }));
}

/** The index of the contiguous layout: each region keeps its length and moves behind the previous one. */
function relocate(index: SubpartitionIndex[]): SubpartitionIndex[] {
  let position = 0;
  return index.map((entry) => {
    const regions: number[] = [];
    for (let i = 0; i < entry.regions.length; i += 2) {
      regions.push(position, entry.regions[i + 1]!);
      position += entry.regions[i + 1]!;
    }
    return { buffers: entry.buffers, regions };
  });
}

const COPY_CHUNK = 4 << 20;

/** The local data file's bytes in subpartition order, read a region (at most 4 MiB) at a time. */
function* subpartitionBytes(dataPath: string, index: SubpartitionIndex[]): Generator<Buffer> {
  const fd = fs.openSync(dataPath, 'r');
  try {
    for (const entry of index) {
      for (let i = 0; i < entry.regions.length; i += 2) {
        const offset = entry.regions[i]!;
        const length = entry.regions[i + 1]!;
        for (let done = 0; done < length;) {
          const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK, length - done));
          const read = fs.readSync(fd, chunk, 0, chunk.length, offset + done);
          if (read !== chunk.length) throw corrupt(dataPath, 'short region');
          done += read;
          yield chunk;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function readWhole(dfs: FileSystem, file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await dfs.open(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Adjacent regions merged into byte ranges (offset, length pairs). */
function ranges(regions: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < regions.length; i += 2) {
    const last = out.length - 2;
    if (last >= 0 && out[last]! + out[last + 1]! === regions[i]) out[last + 1]! += regions[i + 1]!;
    else out.push(regions[i]!, regions[i + 1]!);
  }
  return out;
}

/** How often a broken-off read of one byte range goes on from where it stopped. */
const REREADS = 3;

/** Frames read ahead of the sender, in bytes, before the read pauses. */
const READ_AHEAD = 1 << 20;

/**
 * The frames of one subpartition of a DFS partition, read with ranged reads of its bytes only
 * and parsed as they arrive; at most about `READ_AHEAD` bytes wait for the sender. Used on the
 * consumer's thread: no TaskManager serves the partition.
 */
export class DfsSubpartitionReader implements FrameSource {
  remainingBuffers: number;
  private readonly frames: Frame[] = [];
  private queued = 0;
  private carry: Buffer = Buffer.alloc(0);
  private stream: Readable | undefined;
  private range = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly dfs: FileSystem,
    private readonly dataPath: string,
    private readonly byteRanges: number[],
    buffers: number,
  ) {
    this.remainingBuffers = buffers;
    void this.readRange();
  }

  /** Reads the partition's index and starts reading subpartition `subpartition` of the partition in `directory`. */
  static async open(directory: string, subpartition: number): Promise<DfsSubpartitionReader> {
    const { fs: dfs } = await fileSystemFor(directory);
    const indexPath = childPath(directory, DFS_INDEX);
    const entry = decodeSubpartitionIndex(await readWhole(dfs, indexPath), indexPath, subpartition);
    return new DfsSubpartitionReader(dfs, childPath(directory, DFS_DATA), ranges(entry.regions), entry.buffers);
  }

  peekKind(): Frame['kind'] | undefined | 'pending' {
    if (this.failure) throw this.failure;
    const frame = this.frames[0];
    if (frame) return frame.kind;
    return this.ended ? undefined : 'pending';
  }

  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    const frame = this.frames.shift();
    if (!frame) return undefined;
    this.queued -= frame.data.byteLength;
    if (frame.kind === FRAME_BUFFER) this.remainingBuffers--;
    if (this.queued < READ_AHEAD / 2 && this.stream?.isPaused()) this.stream.resume();
    return frame;
  }

  whenReadable(callback: () => void): void {
    this.waiter = callback;
  }

  close(): void {
    this.closed = true;
    this.stream?.destroy();
    this.stream = undefined;
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private fail(error: Error): void {
    if (this.closed || this.failure) return;
    this.failure = error;
    this.notify();
  }

  private async readRange(): Promise<void> {
    if (this.closed) return;
    if (this.range >= this.byteRanges.length) {
      if (this.carry.length > 0) return this.fail(corrupt(this.dataPath, 'truncated frame'));
      this.ended = true;
      return this.notify();
    }
    await this.readBytes(this.byteRanges[this.range]!, this.byteRanges[this.range + 1]!, REREADS);
  }

  /**
   * Streams `length` bytes from `offset`. A read that breaks off (a DataNode that drops a
   * connection idle behind a slow consumer) goes on from where it stopped, `rereads` more times.
   */
  private async readBytes(offset: number, length: number, rereads: number): Promise<void> {
    let stream: Readable;
    try {
      stream = await this.dfs.open(this.dataPath, { offset, length });
    } catch (e) {
      return this.fail(e as Error);
    }
    if (this.closed) return void stream.destroy();
    this.stream = stream;
    let got = 0;
    stream.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      got += chunk.length;
      this.parse(chunk);
      if (this.queued >= READ_AHEAD) stream.pause();
      this.notify();
    });
    stream.on('error', (e: Error) => {
      if (rereads > 0 && !this.closed) void this.readBytes(offset + got, length - got, rereads - 1);
      else this.fail(e);
    });
    stream.on('end', () => {
      if (got !== length) return this.fail(corrupt(this.dataPath, `read ${got} of ${length} bytes at offset ${offset}`));
      this.range += 2;
      void this.readRange();
    });
  }

  private parse(chunk: Buffer): void {
    let buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    while (buf.length >= FRAME_HEADER) {
      const length = buf.readUInt32BE(1);
      if (buf.length < FRAME_HEADER + length) break;
      const data = new ArrayBuffer(length);
      new Uint8Array(data).set(buf.subarray(FRAME_HEADER, FRAME_HEADER + length));
      this.frames.push({ kind: buf.readUInt8(0) as Frame['kind'], data });
      this.queued += length;
      buf = buf.subarray(FRAME_HEADER + length);
    }
    this.carry = Buffer.from(buf);
  }
}
