import { DataInputDeserializer, DataOutputSerializer, GenericSerializer, type TypeSerializer } from '@spindle/core';
import { hasSurrogate, maxKeyBytes, readNumberKey, readStringKey, writeKey, STRING_TAG } from './normalized-keys.js';
import { HEADER, PREFIX_BYTES, compareBinary, mergeSort, sortBinaryIndex, type BinaryIndex } from './sort-index.js';
import { RunReader, RunWriter } from './sort-runs.js';
import { SpillFiles, localSpillFileWriter, type SpillFileWriter } from './spill-files.js';
import { SpillThread, type SpillReply } from './spill-thread.js';

/** Most runs merged at once (Flink's `taskmanager.runtime.max-fan`); more runs are merged in passes. */
export const MAX_FAN_IN = 128;
/**
 * Bytes of the index per record, counted against the budget: its offset, key end, key prefix (8
 * bytes), flags, its slot in the key array, and two order slots for the sort.
 */
const INDEX_BYTES = 37;
const MIN_IO_BUFFER = 16 * 1024;
const MAX_IO_BUFFER = 1024 * 1024;
/** The key has no binary form: it is computed from the record and compared with the comparator. */
const OPAQUE_KEY = 1;
/** The record is its own key, a string: the entry holds no serialized record. */
const RECORD_IS_KEY = 2;
/** The record is a pair `[key, value]` of its string key and a value: the entry holds only the value serialized. */
const KEYED_PAIR = 8;
/** The binary key is a string with surrogates, each code unit encoded apart (see normalized-keys.ts). */
const SURROGATES = 4;

export interface ExternalSorterOptions<K> {
  /** Names the operator in errors (a full spill disk). */
  operatorName: string;
  /** Bytes of managed memory the sorter may hold: serialized records plus per-record overhead. */
  memoryBudget: number;
  /** Directories of the spill files (`io.tmp.dirs`), used in turn. */
  tmpDirs: readonly string[];
  /** The sort key of a record; computed when the record is added (and, for keys without a binary form, when read from a run). */
  sortKey: (record: unknown) => K;
  compare: (a: K, b: K) => number;
  /**
   * Declares that `compare` is the natural order of `compareValues` (`DESCENDING`: reversed), which
   * encoded grouping keys (strings) follow too. String and number keys are then kept as binary
   * keys and compared as bytes (Flink's normalized keys); other keys still go to `compare`.
   */
  naturalOrder?: 'ASCENDING' | 'DESCENDING';
  /** How records are written to memory and spill files; the generic encoding by default. */
  serializer?: TypeSerializer<unknown>;
  /** Opens spill files; the local disk by default (tests simulate a full disk). */
  writer?: SpillFileWriter;
}

/** What a sorter spilled, for metrics and accumulators. */
export interface SpillStatistics {
  runs: number;
  bytes: number;
}

/**
 * An external merge sort (Flink's UnilateralSortMerger with its NormalizedKeySorter, on the task's
 * thread): records are serialized into one in-memory arena up to the memory budget, each with its
 * key in binary form when it has one (a string or a number, in the natural order); an index in
 * typed arrays holds each record's offset and the first 8 bytes of its key, so that sorting
 * compares integers and only compares the rest of the keys' bytes on equal prefixes. When the
 * arena is full, the index is sorted and the records are spilled in order as a run to a file in
 * `io.tmp.dirs`; `sorted()` merges the runs (a k-way merge on a binary heap of the runs, comparing
 * their records' keys in place, in several passes beyond MAX_FAN_IN runs) or, when nothing was
 * spilled, sorts in memory. Records are decoded only when they are handed out. The sort is stable.
 * Spill files are removed once read, when a write fails (a full disk included), and by `close()`,
 * which the operator calls on success, failure and cancellation.
 */
export class ExternalSorter<K> {
  private readonly serializer: TypeSerializer<unknown>;
  private readonly files: SpillFiles;
  private readonly writer: SpillFileWriter;
  private readonly scratch = new DataOutputSerializer(1024);
  private readonly input = new DataInputDeserializer();
  /** 1, or -1 when the natural order is descending; 0 without a natural order (every key opaque). */
  private readonly sign: number;
  /** Whether `[key, value]` pairs are stored as their value (the generic encoding serializes any value). */
  private readonly pairs: boolean;
  private arena: Buffer = Buffer.alloc(0);
  private arenaUsed = 0;
  private count = 0;
  private capacity = 0;
  /** Entry i spans [offsets[i], offsets[i + 1]) of the arena. */
  private offsets = new Uint32Array(1);
  private keyEnds = new Uint32Array(0);
  private prefixHigh = new Uint32Array(0);
  private prefixLow = new Uint32Array(0);
  private flags = new Uint8Array(0);
  /** The keys without a binary form, by record (undefined for the others). */
  private keys: (K | undefined)[] = [];
  private opaqueKeyBytes = 0;
  /** Records in memory whose key has no binary form. */
  private opaqueCount = 0;
  private runs: string[] = [];
  /** Bytes the records in memory may take with their index: the budget, or half of it once the spill thread takes runs. */
  private limit: number;
  private thread: SpillThread | undefined;
  /** The run the spill thread is writing. */
  private spillingFile: string | undefined;
  /** The buffers the spill thread handed back, for the next fill. */
  private spare: SpillReply | undefined;
  private readonly stats: SpillStatistics = { runs: 0, bytes: 0 };

  constructor(private readonly options: ExternalSorterOptions<K>) {
    this.serializer = options.serializer ?? new GenericSerializer();
    this.files = new SpillFiles(options.tmpDirs, options.operatorName);
    this.writer = options.writer ?? localSpillFileWriter;
    this.pairs = options.serializer === undefined;
    this.sign = options.naturalOrder === undefined ? 0 : options.naturalOrder === 'DESCENDING' ? -1 : 1;
    this.limit = options.memoryBudget;
  }

  get spilled(): SpillStatistics {
    return { ...this.stats };
  }

  /** Bytes held in memory now, as counted against the budget: the arena's records, the index and the keys kept on the heap. */
  get memoryUsed(): number {
    return this.arenaUsed + this.capacity * INDEX_BYTES + this.opaqueKeyBytes;
  }

  get size(): number {
    return this.count;
  }

  add(record: unknown): void {
    const key = this.options.sortKey(record);
    const binary = this.sign !== 0 ? maxKeyBytes(key) : -1;
    const isKey = binary >= 0 && record === key && typeof key === 'string';
    // The records of grouping sorters: `[encoded key, record]`.
    const pair = this.pairs && binary >= 0 && typeof key === 'string' && Array.isArray(record) && record.length === 2 && record[0] === key;
    let length = 0;
    if (!isKey) {
      this.scratch.clear();
      this.serializer.serialize(pair ? (record as unknown[])[1] : record, this.scratch);
      length = this.scratch.position;
    }
    // A key without a binary form (a string one: an encoded grouping key) lives on the heap.
    const heapBytes = binary < 0 && typeof key === 'string' ? 2 * key.length : 0;
    const needed = HEADER + Math.max(binary, 0) + length;
    if (this.count > 0) {
      const capacity = this.count === this.capacity ? 2 * this.capacity : this.capacity;
      if (this.arenaUsed + needed + capacity * INDEX_BYTES + this.opaqueKeyBytes + heapBytes > this.limit) this.spill();
    }
    if (this.count === this.capacity) this.growIndex();
    this.reserve(needed);
    const arena = this.arena;
    const start = this.arenaUsed;
    const i = this.count++;
    let keyLength = 0;
    if (binary >= 0) {
      keyLength = writeKey(key as string | number, arena, start + HEADER);
      const units = typeof key === 'string' && keyLength !== 1 + key.length && hasSurrogate(key);
      this.flags[i] = (isKey ? RECORD_IS_KEY : pair ? KEYED_PAIR : 0) | (units ? SURROGATES : 0);
      this.keys.push(undefined);
    } else {
      this.flags[i] = OPAQUE_KEY;
      this.opaqueCount++;
      this.keys.push(key);
      this.opaqueKeyBytes += heapBytes;
    }
    arena[start] = this.flags[i]!;
    arena.writeUInt32LE(keyLength, start + 1);
    const keyStart = start + HEADER;
    const keyEnd = keyStart + keyLength;
    this.keyEnds[i] = keyEnd;
    this.prefixHigh[i] = prefix(arena, keyStart, keyEnd);
    this.prefixLow[i] = prefix(arena, keyStart + 4, keyEnd);
    if (length > 0) this.scratch.rawBuffer().copy(arena, keyEnd, 0, length);
    this.arenaUsed = keyEnd + length;
    this.offsets[i + 1] = this.arenaUsed;
  }

  /**
   * Writes what is in memory as a sorted run (also used by hash aggregation when its table is
   * full). Runs of binary keys go to the spill thread from the second one on, while the records
   * that follow fill a second buffer: from then on each buffer takes half of the budget.
   */
  spill(): void {
    if (this.count === 0) return;
    const background = this.sign !== 0 && this.opaqueCount === 0 && this.options.writer === undefined;
    if (background && this.thread?.ready === true) {
      this.finishSpill();
      this.spillInBackground();
      return;
    }
    this.finishSpill();
    const file = this.files.create();
    const run = new RunWriter(file, this.files, this.writer, this.ioBufferSize(1));
    try {
      const order = this.order();
      const { arena, offsets } = this;
      for (let n = 0; n < order.length; n++) {
        const i = order[n]!;
        run.write(arena, offsets[i]!, offsets[i + 1]!);
      }
      run.finish();
    } catch (e) {
      this.close();
      throw e;
    }
    this.runs.push(file);
    this.stats.runs++;
    this.stats.bytes += run.bytesWritten;
    if (background && this.thread === undefined) {
      // The thread starts while the next buffer fills; two buffers now share the budget.
      this.thread = new SpillThread();
      this.limit = Math.max(1, Math.floor(this.options.memoryBudget / 2));
      this.freeMemory();
    } else {
      this.clearMemory();
    }
  }

  /** Hands the buffer in memory to the spill thread and takes the one it returned last (or a new one). */
  private spillInBackground(): void {
    const file = this.files.create();
    const { arena, offsets, keyEnds, prefixHigh, prefixLow } = this;
    this.thread!.start({
      file,
      count: this.count,
      sign: this.sign,
      bufferSize: this.ioBufferSize(1),
      arena: arena.buffer as ArrayBuffer,
      arenaUsed: this.arenaUsed,
      offsets: offsets.buffer,
      keyEnds: keyEnds.buffer,
      prefixHigh: prefixHigh.buffer,
      prefixLow: prefixLow.buffer,
    });
    this.spillingFile = file;
    this.runs.push(file);
    this.clearMemory();
    const spare = this.spare;
    this.spare = undefined;
    if (spare === undefined) {
      this.arena = Buffer.alloc(0);
      this.capacity = 0;
      this.offsets = new Uint32Array(1);
      this.keyEnds = this.prefixHigh = this.prefixLow = new Uint32Array(0);
      return;
    }
    this.arena = Buffer.from(spare.arena);
    this.offsets = new Uint32Array(spare.offsets);
    this.keyEnds = new Uint32Array(spare.keyEnds);
    this.prefixHigh = new Uint32Array(spare.prefixHigh);
    this.prefixLow = new Uint32Array(spare.prefixLow);
    this.capacity = this.keyEnds.length;
    if (this.flags.length < this.capacity) this.flags = new Uint8Array(this.capacity);
  }

  /** Waits for the run the spill thread is writing; keeps its buffers for the next fill. */
  private finishSpill(): void {
    const file = this.spillingFile;
    if (file === undefined) return;
    this.spillingFile = undefined;
    let reply: SpillReply;
    try {
      reply = this.thread!.wait()!;
    } catch (e) {
      this.close();
      throw e;
    }
    if (reply.error !== undefined) {
      this.close();
      throw this.files.writeFailure(file, Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    }
    this.stats.runs++;
    this.stats.bytes += reply.bytes;
    this.spare = reply;
  }

  /**
   * Every record added, in key order; the sorter is empty afterwards and its files are gone. Read
   * it to the end, or call `close()`.
   */
  *sorted(): Generator<unknown, void, undefined> {
    try {
      if (this.runs.length === 0) {
        const order = this.order();
        const { arena, offsets } = this;
        for (let n = 0; n < order.length; n++) {
          const i = order[n]!;
          yield this.decode(arena, offsets[i]!, offsets[i + 1]!);
        }
        this.clearMemory();
        return;
      }
      this.spill();
      this.finishSpill();
      // The merge's read buffers take the budget now.
      this.freeMemory();
      while (this.runs.length > MAX_FAN_IN) this.mergePass();
      const inputs = this.runs.splice(0);
      const merger = this.merger(inputs);
      try {
        for (let r = merger.next(); r >= 0; r = merger.next()) yield merger.record(r);
      } finally {
        merger.close();
      }
    } finally {
      this.close();
    }
  }

  /** Removes every spill file and frees the memory, once the spill thread has finished its run and ended; idempotent. */
  close(): void {
    const thread = this.thread;
    this.thread = undefined;
    this.spillingFile = undefined;
    try {
      thread?.close();
    } finally {
      this.limit = this.options.memoryBudget;
      this.freeMemory();
      this.runs = [];
      this.files.removeAll();
    }
  }

  /** Drops the records in memory, the arena and the index. */
  private freeMemory(): void {
    this.clearMemory();
    this.spare = undefined;
    this.arena = Buffer.alloc(0);
    this.capacity = 0;
    this.offsets = new Uint32Array(1);
    this.keyEnds = this.prefixHigh = this.prefixLow = new Uint32Array(0);
    this.flags = new Uint8Array(0);
  }

  /** The record of the entry at [start, end) of `buf`. */
  private decode(buf: Buffer, start: number, end: number): unknown {
    const keyStart = start + HEADER;
    const keyEnd = keyStart + buf.readUInt32LE(start + 1);
    const flags = buf[start]!;
    if ((flags & RECORD_IS_KEY) !== 0) return readStringKey(buf, keyStart, keyEnd, (flags & SURROGATES) !== 0);
    this.input.setBuffer(buf, keyEnd, end);
    const value = this.serializer.deserialize(this.input);
    return (flags & KEYED_PAIR) !== 0 ? [readStringKey(buf, keyStart, keyEnd, (flags & SURROGATES) !== 0), value] : value;
  }

  /** The key of record i in memory, as the comparator takes it. */
  private keyInMemory(i: number): K {
    return (this.flags[i]! & OPAQUE_KEY) !== 0 ? (this.keys[i] as K) : binaryKey<K>(this.arena, this.offsets[i]!);
  }

  /** Compares records i and j in memory (not their order of arrival). */
  private compareEntries(i: number, j: number): number {
    if (((this.flags[i]! | this.flags[j]!) & OPAQUE_KEY) === 0) return compareBinary(this.binaryIndex(), this.sign, i, j);
    return this.options.compare(this.keyInMemory(i), this.keyInMemory(j));
  }

  /** The records in memory in key order, arrival order among equal keys. */
  private order(): Int32Array {
    const n = this.count;
    if (this.sign !== 0 && this.opaqueCount === 0) return sortBinaryIndex(this.binaryIndex(), n, this.sign);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (n > 1) mergeSort(order, new Int32Array(n), 0, n, (a, b) => this.compareEntries(a, b) < 0);
    return order;
  }

  private binaryIndex(): BinaryIndex {
    const { arena, offsets, keyEnds, prefixHigh, prefixLow } = this;
    return { arena, offsets, keyEnds, prefixHigh, prefixLow };
  }

  private growIndex(): void {
    const capacity = Math.max(16, 2 * this.capacity);
    const grow = <T extends Uint32Array | Uint8Array>(old: T, size: number, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old.length <= size ? old : old.subarray(0, size));
      return next;
    };
    this.offsets = grow(this.offsets, capacity + 1, (n) => new Uint32Array(n));
    this.keyEnds = grow(this.keyEnds, capacity, (n) => new Uint32Array(n));
    this.prefixHigh = grow(this.prefixHigh, capacity, (n) => new Uint32Array(n));
    this.prefixLow = grow(this.prefixLow, capacity, (n) => new Uint32Array(n));
    this.flags = grow(this.flags, capacity, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }

  private reserve(length: number): void {
    const needed = this.arenaUsed + length;
    if (needed <= this.arena.length) return;
    const cap = Math.max(needed, this.limit - this.capacity * INDEX_BYTES);
    const next = Buffer.allocUnsafe(Math.min(cap, Math.max(needed, this.arena.length * 2, 64 * 1024)));
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }

  private clearMemory(): void {
    this.arenaUsed = 0;
    this.count = 0;
    this.opaqueKeyBytes = 0;
    this.opaqueCount = 0;
    this.keys = [];
  }

  private ioBufferSize(streams: number): number {
    return Math.min(MAX_IO_BUFFER, Math.max(MIN_IO_BUFFER, Math.floor(this.options.memoryBudget / (streams + 1))));
  }

  /** Merges the first MAX_FAN_IN runs into one. */
  private mergePass(): void {
    const inputs = this.runs.splice(0, MAX_FAN_IN);
    const file = this.files.create();
    const out = new RunWriter(file, this.files, this.writer, this.ioBufferSize(inputs.length + 1));
    const merger = this.merger(inputs);
    try {
      for (let r = merger.next(); r >= 0; r = merger.next()) out.write(merger.buffers[r]!, merger.starts[r]!, merger.ends[r]!);
      out.finish();
    } catch (e) {
      this.close();
      throw e;
    } finally {
      merger.close();
    }
    // The merged run holds the earliest records: it goes first, so that the sort stays stable.
    this.runs.unshift(file);
  }

  private merger(inputs: string[]): RunMerger<K> {
    return new RunMerger<K>(inputs, this.ioBufferSize(inputs.length), this.files, this.sign, {
      compare: this.options.compare,
      sortKey: this.options.sortKey,
      decode: (buf, start, end) => this.decode(buf, start, end),
    });
  }
}

/** The string or number whose binary key is in the entry at `start` of `buf`. */
function binaryKey<K>(buf: Buffer, start: number): K {
  const keyStart = start + HEADER;
  const keyEnd = keyStart + buf.readUInt32LE(start + 1);
  if (buf[keyStart] !== STRING_TAG) return readNumberKey(buf, keyStart) as K;
  return readStringKey(buf, keyStart, keyEnd, (buf[start]! & SURROGATES) !== 0) as K;
}

/** The first 4 bytes from `from` (before `end`) as a big-endian integer, zero-padded. */
function prefix(buf: Buffer, from: number, end: number): number {
  if (end - from >= 4) return buf.readUInt32BE(from);
  let v = 0;
  for (let k = 0; k < 4; k++) v = (v << 8) | (from + k < end ? buf[from + k]! : 0);
  return v >>> 0;
}

interface EntryCodec<K> {
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
class RunMerger<K> {
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
    private readonly files: SpillFiles,
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

  private down(i: number): void {
    const heap = this.heap;
    const size = this.size;
    const r = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let m = l;
      if (l + 1 < size && this.less(heap[l + 1]!, heap[l]!)) m = l + 1;
      if (!this.less(heap[m]!, r)) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = r;
  }
}
