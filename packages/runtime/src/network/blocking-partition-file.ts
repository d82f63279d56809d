import fs from 'node:fs';
import { SpindleError } from '@spindle/core';

/**
 * The on-disk form of a BLOCKING result partition: two files per partition.
 *
 * `<name>.data` holds frames in the order the producer wrote them, subpartitions interleaved:
 * `[kind: u8 (0 buffer, 1 event)][length: u32 BE][length bytes]`.
 *
 * `<name>.index`, written when the partition is complete (to a temporary name, then renamed, so
 * an index never describes a partial partition): `[magic 'SPBI'][version u32 = 1][subpartitions u32]`
 * then per subpartition `[buffers u32][regions u32]` and per region `[offset u64][length u32]`: a
 * region is a run of consecutive frames of that subpartition in the data file. A consumer of one
 * subpartition reads its regions only.
 */
export interface BlockingPartitionMeta {
  partitionId: string;
  jobId: string;
  dataPath: string;
  indexPath: string;
  numSubpartitions: number;
}

export const FRAME_BUFFER = 0;
export const FRAME_EVENT = 1;
export const FRAME_HEADER = 5;
const MAGIC = 0x53504249; // 'SPBI'
const VERSION = 1;

export interface SubpartitionIndex {
  buffers: number;
  /** offset, length pairs. */
  regions: number[];
}

/** Appends frames to a partition's data file and writes its index on `finish`; used by one task's thread. */
export class BlockingPartitionFileWriter {
  private fd: number | undefined;
  private position = 0;
  private lastSubpartition = -1;
  private readonly index: SubpartitionIndex[];
  private readonly header = Buffer.alloc(FRAME_HEADER);

  constructor(
    readonly dataPath: string,
    readonly indexPath: string,
    numSubpartitions: number,
  ) {
    this.index = Array.from({ length: numSubpartitions }, () => ({ buffers: 0, regions: [] }));
    this.fd = fs.openSync(dataPath, 'w');
  }

  /** Appends one frame of subpartition `subpartition`. */
  write(subpartition: number, kind: typeof FRAME_BUFFER | typeof FRAME_EVENT, bytes: Uint8Array, length = bytes.length): void {
    const fd = this.openFd();
    this.header.writeUInt8(kind, 0);
    this.header.writeUInt32BE(length, 1);
    fs.writeSync(fd, this.header, 0, FRAME_HEADER);
    fs.writeSync(fd, bytes, 0, length);
    const entry = this.index[subpartition]!;
    const size = FRAME_HEADER + length;
    if (this.lastSubpartition === subpartition && entry.regions.length > 0) entry.regions[entry.regions.length - 1]! += size;
    else entry.regions.push(this.position, size);
    if (kind === FRAME_BUFFER) entry.buffers++;
    this.lastSubpartition = subpartition;
    this.position += size;
  }

  /** Closes the data file and writes the index: the partition is complete. */
  finish(): void {
    fs.closeSync(this.openFd());
    this.fd = undefined;
    const tmp = `${this.indexPath}.tmp`;
    fs.writeFileSync(tmp, encodeIndex(this.index));
    fs.renameSync(tmp, this.indexPath);
  }

  /** Removes the files of a partition that will not be completed. Idempotent. */
  discard(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    removeBlockingPartitionFiles(this);
  }

  private openFd(): number {
    if (this.fd === undefined) throw new SpindleError(`blocking partition ${this.dataPath} is closed`, { code: 'ILLEGAL_STATE' });
    return this.fd;
  }
}

export function removeBlockingPartitionFiles(files: { dataPath: string; indexPath: string }): void {
  for (const f of [files.dataPath, files.indexPath, `${files.indexPath}.tmp`]) fs.rmSync(f, { force: true });
}

export function corrupt(path: string, why: string): SpindleError {
  return new SpindleError(`blocking partition index ${path} is corrupt: ${why}`, {
    code: 'PARTITION_CORRUPT',
    recoverability: 'partition-data-missing',
  });
}

/** The index file's bytes for these subpartition entries. */
export function encodeIndex(index: readonly SubpartitionIndex[]): Buffer {
  let size = 12;
  for (const e of index) size += 8 + (e.regions.length / 2) * 12;
  const out = Buffer.alloc(size);
  let p = out.writeUInt32BE(MAGIC, 0);
  p = out.writeUInt32BE(VERSION, p);
  p = out.writeUInt32BE(index.length, p);
  for (const e of index) {
    p = out.writeUInt32BE(e.buffers, p);
    p = out.writeUInt32BE(e.regions.length / 2, p);
    for (let i = 0; i < e.regions.length; i += 2) {
      p = out.writeBigUInt64BE(BigInt(e.regions[i]!), p);
      p = out.writeUInt32BE(e.regions[i + 1]!, p);
    }
  }
  return out;
}

/** Reads the index entry of one subpartition. */
export function readSubpartitionIndex(indexPath: string, subpartition: number): SubpartitionIndex {
  return decodeSubpartitionIndex(fs.readFileSync(indexPath), indexPath, subpartition);
}

/** Every subpartition's entry of an index file's bytes (`path` names the file in errors). */
export function decodeIndex(buf: Buffer, path: string): SubpartitionIndex[] {
  const n = indexHeader(buf, path);
  return Array.from({ length: n }, (_, i) => decodeSubpartitionIndex(buf, path, i));
}

function indexHeader(buf: Buffer, path: string): number {
  if (buf.length < 12 || buf.readUInt32BE(0) !== MAGIC) throw corrupt(path, 'bad header');
  if (buf.readUInt32BE(4) !== VERSION) throw corrupt(path, `unknown version ${buf.readUInt32BE(4)}`);
  return buf.readUInt32BE(8);
}

/** The entry of one subpartition in an index file's bytes (`path` names the file in errors). */
export function decodeSubpartitionIndex(buf: Buffer, path: string, subpartition: number): SubpartitionIndex {
  const n = indexHeader(buf, path);
  if (subpartition < 0 || subpartition >= n)
    throw new SpindleError(`blocking partition ${path} has no subpartition ${subpartition} (it has ${n})`, {
      code: 'NO_SUCH_SUBPARTITION',
      recoverability: 'non-recoverable',
    });
  let p = 12;
  for (let i = 0; ; i++) {
    if (p + 8 > buf.length) throw corrupt(path, 'truncated');
    const buffers = buf.readUInt32BE(p);
    const count = buf.readUInt32BE(p + 4);
    p += 8;
    if (i === subpartition) {
      if (p + count * 12 > buf.length) throw corrupt(path, 'truncated');
      const regions: number[] = [];
      for (let r = 0; r < count; r++, p += 12) regions.push(Number(buf.readBigUInt64BE(p)), buf.readUInt32BE(p + 8));
      return { buffers, regions };
    }
    p += count * 12;
  }
}

export interface Frame {
  kind: typeof FRAME_BUFFER | typeof FRAME_EVENT;
  /** A fresh buffer holding exactly the frame's bytes. */
  data: ArrayBuffer;
}

/**
 * What the sender of one subpartition reads frames from, in order. `peekKind` answers the kind of
 * the next frame, undefined at the end, or 'pending' while the next frame is still being read
 * (then `whenReadable` calls back once, when it is there or reading failed). Errors of reading
 * are thrown by `peekKind` and `next`.
 */
export interface FrameSource {
  /** Buffers (not events) not read yet: the backlog announced to the consumer. */
  readonly remainingBuffers: number;
  peekKind(): Frame['kind'] | undefined | 'pending';
  next(): Frame | undefined;
  whenReadable?(callback: () => void): void;
  close(): void;
}

/** Reads the frames of one subpartition in order, region by region; nothing of other subpartitions is read. */
export class SubpartitionFileReader implements FrameSource {
  private fd: number | undefined;
  private region = 0;
  private offsetInRegion = 0;
  private readonly regions: number[];
  /** Buffers (not events) not read yet: the backlog announced to the consumer. */
  remainingBuffers: number;
  private readonly header = Buffer.alloc(FRAME_HEADER);

  constructor(
    private readonly meta: BlockingPartitionMeta,
    subpartition: number,
  ) {
    const entry = readSubpartitionIndex(meta.indexPath, subpartition);
    this.regions = entry.regions;
    this.remainingBuffers = entry.buffers;
    this.fd = fs.openSync(meta.dataPath, 'r');
  }

  /** The kind of the next frame, or undefined at the end. */
  peekKind(): Frame['kind'] | undefined {
    if (!this.readHeader()) return undefined;
    return this.header.readUInt8(0) as Frame['kind'];
  }

  /** The next frame, or undefined at the end of the subpartition. */
  next(): Frame | undefined {
    if (!this.readHeader()) return undefined;
    const kind = this.header.readUInt8(0) as Frame['kind'];
    const length = this.header.readUInt32BE(1);
    const data = new ArrayBuffer(length);
    const start = this.regions[this.region]! + this.offsetInRegion + FRAME_HEADER;
    if (fs.readSync(this.fd!, new Uint8Array(data), 0, length, start) !== length) throw corrupt(this.meta.dataPath, 'short frame');
    this.offsetInRegion += FRAME_HEADER + length;
    if (this.offsetInRegion >= this.regions[this.region + 1]!) {
      this.region += 2;
      this.offsetInRegion = 0;
    }
    if (kind === FRAME_BUFFER) this.remainingBuffers--;
    return { kind, data };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private readHeader(): boolean {
    if (this.fd === undefined || this.region >= this.regions.length) return false;
    const at = this.regions[this.region]! + this.offsetInRegion;
    if (fs.readSync(this.fd, this.header, 0, FRAME_HEADER, at) !== FRAME_HEADER) throw corrupt(this.meta.dataPath, 'short header');
    return true;
  }
}
