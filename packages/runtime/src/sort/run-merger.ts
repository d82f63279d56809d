import { readNumberKey, readStringKey, STRING_TAG } from './normalized-keys.js';
import { HEADER, OPAQUE_KEY, PREFIX_BYTES, SURROGATES } from './sort-index.js';
import { RunReader } from './sort-runs.js';

/** The string or number whose binary key is in the entry at `start` of `buf`. */
export function binaryKey<K>(buf: Buffer, start: number): K {
  const keyStart = start + HEADER;
  const keyEnd = keyStart + buf.readUInt32LE(start + 1);
  if (buf[keyStart] !== STRING_TAG) return readNumberKey(buf, keyStart) as K;
  return readStringKey(buf, keyStart, keyEnd, (buf[start]! & SURROGATES) !== 0) as K;
}

/** The first 4 bytes from `from` (before `end`) as a big-endian integer, zero-padded. */
export function prefix(buf: Buffer, from: number, end: number): number {
  if (end - from >= 4) return buf.readUInt32BE(from);
  let v = 0;
  for (let k = 0; k < 4; k++) v = (v << 8) | (from + k < end ? buf[from + k]! : 0);
  return v >>> 0;
}

export interface EntryCodec<K> {
  compare: (a: K, b: K) => number;
  sortKey: (record: unknown) => K;
  decode: (buf: Buffer, start: number, end: number) => unknown;
}

/**
 * A k-way merge of sorted runs: a binary min-heap of run numbers ordered by each run's current
 * entry, read in place from the run's buffer (its key prefix, then its key bytes); ties go to the
 * earlier run, so that the merge is stable. `next()` returns the run whose entry comes next (-1 at
 * the end), valid until the following call; each run file is removed once read.
 */
export class RunMerger<K> {
  readonly buffers: Buffer[] = [];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly readers: RunReader[];
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  private readonly keyEnds: Int32Array;
  private readonly opaque: Uint8Array;
  private readonly keys: (K | undefined)[];
  /** 1 when run r's current record is decoded (its key had no binary form) and held in records[r]. */
  private readonly decoded: Uint8Array;
  private readonly records: unknown[];
  private readonly heap: Int32Array;
  private size = 0;
  private last = -1;

  constructor(
    private readonly inputs: string[],
    bufferSize: number,
    private readonly files: { remove(file: string): void },
    private readonly sign: number,
    private readonly codec: EntryCodec<K>,
  ) {
    const k = inputs.length;
    this.starts = new Int32Array(k);
    this.ends = new Int32Array(k);
    this.high = new Uint32Array(k);
    this.low = new Uint32Array(k);
    this.keyEnds = new Int32Array(k);
    this.opaque = new Uint8Array(k);
    this.keys = new Array<K | undefined>(k);
    this.decoded = new Uint8Array(k);
    this.records = new Array<unknown>(k);
    this.heap = new Int32Array(k);
    this.readers = [];
    try {
      for (const f of inputs) this.readers.push(new RunReader(f, bufferSize));
      for (let r = 0; r < k; r++) if (this.read(r)) this.up(this.size++, r);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  next(): number {
    if (this.last >= 0) {
      if (this.read(this.last)) this.down(0);
      else if (--this.size > 0) {
        this.heap[0] = this.heap[this.size]!;
        this.down(0);
      }
    }
    this.last = this.size > 0 ? this.heap[0]! : -1;
    return this.last;
  }

  /** The record of run r's current entry. */
  record(r: number): unknown {
    if (this.decoded[r] === 1) return this.records[r];
    return this.codec.decode(this.buffers[r]!, this.starts[r]!, this.ends[r]!);
  }

  close(): void {
    for (const [i, r] of this.readers.entries()) {
      r.close();
      this.files.remove(this.inputs[i]!);
    }
  }

  /** Reads run r's next entry; false (and its file gone) at its end. */
  private read(r: number): boolean {
    const reader = this.readers[r]!;
    const length = reader.next();
    if (length < 0) {
      reader.close();
      this.files.remove(this.inputs[r]!);
      return false;
    }
    const buf = reader.buffer;
    const start = reader.start;
    const keyStart = start + HEADER;
    const keyEnd = keyStart + buf.readUInt32LE(start + 1);
    this.buffers[r] = buf;
    this.starts[r] = start;
    this.ends[r] = start + length;
    this.keyEnds[r] = keyEnd;
    this.opaque[r] = buf[start]! & OPAQUE_KEY;
    this.keys[r] = undefined;
    this.records[r] = undefined;
    this.decoded[r] = 0;
    this.high[r] = prefix(buf, keyStart, keyEnd);
    this.low[r] = prefix(buf, keyStart + 4, keyEnd);
    return true;
  }

  private less(a: number, b: number): boolean {
    const c = this.compare(a, b);
    return c < 0 || (c === 0 && a < b);
  }

  private compare(a: number, b: number): number {
    if ((this.opaque[a]! | this.opaque[b]!) === 0) {
      let x = this.high[a]!;
      let y = this.high[b]!;
      if (x !== y) return x < y ? -this.sign : this.sign;
      x = this.low[a]!;
      y = this.low[b]!;
      if (x !== y) return x < y ? -this.sign : this.sign;
      const lengthA = this.keyEnds[a]! - this.starts[a]! - HEADER;
      const lengthB = this.keyEnds[b]! - this.starts[b]! - HEADER;
      if (lengthA <= PREFIX_BYTES && lengthB <= PREFIX_BYTES) return this.sign * (lengthA - lengthB);
      return (
        this.sign *
        this.buffers[a]!.compare(this.buffers[b]!, this.starts[b]! + HEADER, this.keyEnds[b], this.starts[a]! + HEADER, this.keyEnds[a])
      );
    }
    return this.codec.compare(this.key(a), this.key(b));
  }

  /** The key of run r's current entry: decoded from its binary form, or computed from the record (kept for `record`). */
  private key(r: number): K {
    if (this.decoded[r] === 1) return this.keys[r] as K;
    const buf = this.buffers[r]!;
    const start = this.starts[r]!;
    if (this.opaque[r] === 0) return binaryKey<K>(buf, start);
    const record = this.codec.decode(buf, start, this.ends[r]!);
    this.records[r] = record;
    this.decoded[r] = 1;
    return (this.keys[r] = this.codec.sortKey(record));
  }

  private up(i: number, r: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(r, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = r;
  }

  /**
   * Moves the run at heap[i] down to its place: first the path of the smaller children to a leaf,
   * then back up to where the run belongs (Floyd's bottom-up sift). A run's next entry usually
   * belongs near the leaves, and this takes one comparison per level on the way down where a
   * plain sift-down takes two.
   */
  private down(i: number): void {
    const heap = this.heap;
    const size = this.size;
    const r = heap[i]!;
    let j = i;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= size) break;
      const m = l + 1 < size && this.less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
      heap[j] = heap[m]!;
      j = m;
    }
    while (j > i) {
      const parent = (j - 1) >> 1;
      if (!this.less(r, heap[parent]!)) break;
      heap[j] = heap[parent]!;
      j = parent;
    }
    heap[j] = r;
  }
}
