import { DataInputDeserializer, DataOutputSerializer, GenericSerializer, type TypeSerializer } from '@spindle/core';
import { hasSurrogate, maxKeyBytes, readStringKey, writeKey } from './normalized-keys.js';
import { HEADER, OPAQUE_KEY, SURROGATES, compareBinary, mergeSort, sortBinaryIndex, type BinaryIndex } from './sort-index.js';
import { RunMerger, binaryKey, prefix } from './run-merger.js';
import { RunWriter } from './sort-runs.js';
import { SpillFiles, localSpillFileWriter, type SpillFileWriter } from './spill-files.js';
import { SpillThread, type SpillReply, type ThreadMerge } from './spill-thread.js';

/** Most runs merged at once (Flink's `taskmanager.runtime.max-fan`); more runs are merged in passes. */
export const MAX_FAN_IN = 128;
/**
 * Bytes of the index per record, counted against the budget: its offset, key end, key prefix (8
 * bytes), flags, its slot in the key array, and two order slots for the sort.
 */
const INDEX_BYTES = 37;
/** The spill thread starts once the records in memory take this share (1/n) of the budget. */
const EARLY_THREAD_SHARE = 8;
const MIN_IO_BUFFER = 16 * 1024;
const MAX_IO_BUFFER = 1024 * 1024;
/** The record is its own key, a string: the entry holds no serialized record. */
const RECORD_IS_KEY = 2;
/** The record is a pair `[key, value]` of its string key and a value: the entry holds only the value serialized. */
const KEYED_PAIR = 8;

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
  /** The merge on the spill thread that `sorted()` reads. */
  private merging: ThreadMerge | undefined;
  /** The run the spill thread is writing. */
  private spillingFile: string | undefined;
  /** Whether a run holds keys without a binary form (then this thread merges, with the comparator). */
  private opaqueRuns = false;
  /** The buffers the spill thread handed back, for the next fill. */
  private spare: SpillReply | undefined;
  private readonly stats: SpillStatistics = { runs: 0, bytes: 0 };
  /** Whether every record added is a string that is its own key, without surrogates: a line whose key is its UTF-8 bytes. */
  private onlyLines = true;

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

  /** Whether runs are written on the spill thread now (once the thread has started and is ready). */
  get spillsInBackground(): boolean {
    return this.thread?.ready === true;
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
      if (this.thread === undefined && this.arenaUsed > this.options.memoryBudget / EARLY_THREAD_SHARE && this.backgroundSpills()) {
        this.startSpillThread();
      }
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
      if (!isKey || units) this.onlyLines = false;
      this.keys.push(undefined);
    } else {
      this.flags[i] = OPAQUE_KEY;
      this.onlyLines = false;
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
   * full). Runs of binary keys go to the spill thread once it is ready (it starts when the records
   * fill an eighth of the budget, or after a first run written here), while the records that
   * follow fill a second buffer: from its start on each buffer takes half of the budget.
   */
  spill(): void {
    if (this.count === 0) return;
    const background = this.backgroundSpills();
    if (background && this.thread?.ready === true) {
      this.finishSpill();
      this.spillInBackground();
      return;
    }
    this.finishSpill();
    if (this.sign === 0 || this.opaqueCount > 0) this.opaqueRuns = true;
    const file = this.files.create();
    const run = new RunWriter(file, this.files, this.writer, this.ioBufferSize(1));
    try {
      run.writeInOrder(this.arena, this.offsets, this.order());
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

  /** Whether runs may be written on the spill thread: binary keys only, on the local disk. */
  private backgroundSpills(): boolean {
    return this.sign !== 0 && this.opaqueCount === 0 && this.options.writer === undefined;
  }

  /**
   * Starts the spill thread before the first run (the records fill 1/EARLY_THREAD_SHARE of the
   * budget), so that it is ready to write that run too: from now on the buffer in memory takes
   * half of the budget (its arena shrinks to that when it grew beyond).
   */
  private startSpillThread(): void {
    this.thread = new SpillThread();
    this.limit = Math.max(1, Math.floor(this.options.memoryBudget / 2));
    const room = this.limit - this.capacity * INDEX_BYTES;
    if (this.arena.length > room && room >= this.arenaUsed) {
      const next = Buffer.allocUnsafe(room);
      this.arena.copy(next, 0, 0, this.arenaUsed);
      this.arena = next;
    }
  }

  /** Hands the buffer in memory to the spill thread and takes the one it returned last (or a new one). */
  private spillInBackground(): void {
    const file = this.files.create();
    const { arena, offsets, keyEnds, prefixHigh, prefixLow } = this;
    this.thread!.start({
      t: 'spill',
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
    const spare = this.spare?.buffers;
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
      if (this.thread?.free === true && !this.opaqueRuns) {
        // The spill thread merges; this thread decodes and hands out the records meanwhile.
        const merge = (this.merging = this.thread.merge(inputs, this.sign, this.ioBufferSize(inputs.length)));
        try {
          while (merge.next()) yield this.decode(merge.buffer, merge.start, merge.end);
        } finally {
          this.merging = undefined;
          merge.close();
        }
        return;
      }
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

  /**
   * Every record added, in key order, as text: blocks of whole lines, each record's UTF-8 bytes
   * followed by `\n`, without making strings (for a text sink). Only when every record is a string
   * that is its own key without surrogates and runs were spilled, which the spill thread merges
   * into the blocks; otherwise undefined (read `sorted()`). A block is valid until the next one is
   * asked for. The sorter is empty afterwards and its files are gone; read it to the end, or
   * call `close()`.
   */
  sortedText(): Generator<Uint8Array, void, undefined> | undefined {
    if (!this.onlyLines || this.sign === 0 || this.opaqueRuns || this.runs.length === 0 || this.thread?.ready !== true) return undefined;
    return this.mergedText();
  }

  private *mergedText(): Generator<Uint8Array, void, undefined> {
    try {
      this.spill();
      this.finishSpill();
      this.freeMemory();
      while (this.runs.length > MAX_FAN_IN) this.mergePass();
      const inputs = this.runs.splice(0);
      const merge = (this.merging = this.thread!.merge(inputs, this.sign, this.ioBufferSize(inputs.length), true));
      try {
        while (merge.next()) yield merge.buffer.subarray(merge.start, merge.end);
      } finally {
        this.merging = undefined;
        merge.close();
      }
    } finally {
      this.close();
    }
  }

  /** Removes every spill file and frees the memory, once the spill thread has finished its run and ended; idempotent. */
  close(): void {
    const thread = this.thread;
    const merging = this.merging;
    this.thread = undefined;
    this.merging = undefined;
    this.spillingFile = undefined;
    try {
      // A merge the task stopped reading waits for chunks: it is stopped first.
      merging?.close();
      thread?.close();
    } finally {
      this.limit = this.options.memoryBudget;
      this.opaqueRuns = false;
      this.onlyLines = true;
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
