import { DataInputDeserializer, DataOutputSerializer, GenericSerializer, type TypeSerializer } from '@spindle/core';
import { RunReader, RunWriter } from './sort-runs.js';
import { SpillFiles, localSpillFileWriter, type SpillFileWriter } from './spill-files.js';

/** Most runs merged at once (Flink's `taskmanager.runtime.max-fan`); more runs are merged in passes. */
export const MAX_FAN_IN = 128;
/** Bytes counted per record besides its serialized bytes and a string key: its key and index entries. */
const ENTRY_OVERHEAD = 48;
const MIN_IO_BUFFER = 16 * 1024;
const MAX_IO_BUFFER = 1024 * 1024;

export interface ExternalSorterOptions<K> {
  /** Names the operator in errors (a full spill disk). */
  operatorName: string;
  /** Bytes of managed memory the sorter may hold: serialized records plus per-record overhead. */
  memoryBudget: number;
  /** Directories of the spill files (`io.tmp.dirs`), used in turn. */
  tmpDirs: readonly string[];
  /** The sort key of a record; computed when the record is added and again when it is read from a run. */
  sortKey: (record: unknown) => K;
  compare: (a: K, b: K) => number;
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
 * An external merge sort (Flink's UnilateralSortMerger, on the task's thread): records are
 * serialized into an in-memory arena up to the memory budget, then sorted and spilled as a run to
 * a file in `io.tmp.dirs`; `sorted()` merges the runs (a k-way merge on a binary heap, in several
 * passes beyond MAX_FAN_IN runs) or, when nothing was spilled, sorts in memory. The sort is stable.
 * Spill files are removed once read, when a write fails (a full disk included), and by `close()`,
 * which the operator calls on success, failure and cancellation.
 */
export class ExternalSorter<K> {
  private readonly serializer: TypeSerializer<unknown>;
  private readonly files: SpillFiles;
  private readonly writer: SpillFileWriter;
  private readonly scratch = new DataOutputSerializer(1024);
  private arena: Buffer = Buffer.alloc(0);
  private arenaUsed = 0;
  private keyBytes = 0;
  private keys: K[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private runs: string[] = [];
  private readonly stats: SpillStatistics = { runs: 0, bytes: 0 };

  constructor(private readonly options: ExternalSorterOptions<K>) {
    this.serializer = options.serializer ?? new GenericSerializer();
    this.files = new SpillFiles(options.tmpDirs, options.operatorName);
    this.writer = options.writer ?? localSpillFileWriter;
  }

  get spilled(): SpillStatistics {
    return { ...this.stats };
  }

  /** Bytes held in memory now, as counted against the budget: the arena, and the keys and index entries. */
  get memoryUsed(): number {
    return this.arenaUsed + this.keyBytes;
  }

  get size(): number {
    return this.keys.length;
  }

  add(record: unknown): void {
    const scratch = this.scratch;
    scratch.clear();
    this.serializer.serialize(record, scratch);
    const length = scratch.position;
    const key = this.options.sortKey(record);
    // A string key (an encoded grouping key) lives on the heap beside the serialized record.
    const keyBytes = ENTRY_OVERHEAD + (typeof key === 'string' ? 2 * key.length : 0);
    if (this.keys.length > 0 && this.memoryUsed + length + keyBytes > this.options.memoryBudget) this.spill();
    this.reserve(length);
    scratch.rawBuffer().copy(this.arena, this.arenaUsed, 0, length);
    this.keyBytes += keyBytes;
    this.keys.push(key);
    this.starts.push(this.arenaUsed);
    this.arenaUsed += length;
    this.ends.push(this.arenaUsed);
  }

  /** Writes what is in memory as a sorted run (also used by hash aggregation when its table is full). */
  spill(): void {
    if (this.keys.length === 0) return;
    const file = this.files.create();
    const run = new RunWriter(file, this.files, this.writer, this.ioBufferSize(1));
    try {
      for (const i of this.order()) run.write(this.arena.subarray(this.starts[i], this.ends[i]));
      run.finish();
    } catch (e) {
      this.close();
      throw e;
    }
    this.runs.push(file);
    this.stats.runs++;
    this.stats.bytes += run.bytesWritten;
    this.clearMemory();
  }

  /**
   * Every record added, in key order; the sorter is empty afterwards and its files are gone. Read
   * it to the end, or call `close()`.
   */
  *sorted(): Generator<unknown, void, undefined> {
    try {
      if (this.runs.length === 0) {
        yield* this.fromMemory();
        return;
      }
      this.spill();
      while (this.runs.length > MAX_FAN_IN) this.mergePass();
      yield* this.merge(this.runs.splice(0));
    } finally {
      this.close();
    }
  }

  /** Removes every spill file and frees the memory; idempotent. */
  close(): void {
    this.clearMemory();
    this.arena = Buffer.alloc(0);
    this.runs = [];
    this.files.removeAll();
  }

  private *fromMemory(): Generator<unknown, void, undefined> {
    const order = this.order();
    const input = new DataInputDeserializer();
    const arena = this.arena;
    const { starts, ends } = this;
    this.keys = [];
    for (const i of order) {
      input.setBuffer(arena, starts[i], ends[i]);
      yield this.serializer.deserialize(input);
    }
    this.clearMemory();
  }

  private order(): number[] {
    const keys = this.keys;
    const compare = this.options.compare;
    const order = Array.from({ length: keys.length }, (_, i) => i);
    return order.sort((a, b) => compare(keys[a]!, keys[b]!) || a - b);
  }

  private reserve(length: number): void {
    const needed = this.arenaUsed + length;
    if (needed <= this.arena.length) return;
    const cap = Math.max(needed, this.options.memoryBudget);
    const next = Buffer.allocUnsafe(Math.min(cap, Math.max(needed, this.arena.length * 2, 64 * 1024)));
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }

  private clearMemory(): void {
    this.arenaUsed = 0;
    this.keyBytes = 0;
    this.keys = [];
    this.starts = [];
    this.ends = [];
  }

  private ioBufferSize(streams: number): number {
    return Math.min(MAX_IO_BUFFER, Math.max(MIN_IO_BUFFER, Math.floor(this.options.memoryBudget / (streams + 1))));
  }

  /** Merges the first MAX_FAN_IN runs into one. */
  private mergePass(): void {
    const inputs = this.runs.splice(0, MAX_FAN_IN);
    const file = this.files.create();
    const out = new RunWriter(file, this.files, this.writer, this.ioBufferSize(inputs.length + 1));
    try {
      for (const entry of this.mergeRaw(inputs)) out.write(entry.bytes);
      out.finish();
    } catch (e) {
      this.close();
      throw e;
    }
    // The merged run holds the earliest records: it goes first, so that the sort stays stable.
    this.runs.unshift(file);
  }

  private *merge(inputs: string[]): Generator<unknown, void, undefined> {
    for (const entry of this.mergeRaw(inputs)) yield entry.record;
  }

  /**
   * The records of `inputs` in order, read (to compute their keys) and as serialized bytes (a
   * view valid until the next record); each run file is removed once read.
   */
  private *mergeRaw(inputs: string[]): Generator<HeapEntry<K>, void, undefined> {
    const size = this.ioBufferSize(inputs.length);
    const heap = new MergeHeap<K>(this.options.compare);
    const readers = inputs.map((f) => new RunReader(f, size));
    const input = new DataInputDeserializer();
    const advance = (index: number): void => {
      const bytes = readers[index]!.next();
      if (bytes === undefined) {
        readers[index]!.close();
        this.files.remove(inputs[index]!);
        return;
      }
      input.setBuffer(bytes);
      const record = this.serializer.deserialize(input);
      heap.push({ key: this.options.sortKey(record), record, run: index, bytes });
    };
    try {
      readers.forEach((_, i) => advance(i));
      for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
        yield top;
        advance(top.run);
      }
    } finally {
      for (const [i, r] of readers.entries()) {
        r.close();
        this.files.remove(inputs[i]!);
      }
    }
  }
}

interface HeapEntry<K> {
  key: K;
  record: unknown;
  run: number;
  bytes: Buffer;
}

/** A binary min-heap of the runs' current records; ties go to the earlier run (a stable merge). */
class MergeHeap<K> {
  private readonly items: HeapEntry<K>[] = [];

  constructor(private readonly compare: (a: K, b: K) => number) {}

  push(entry: HeapEntry<K>): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): HeapEntry<K> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
      if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
      if (m === i) return top;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
  }

  private less(a: HeapEntry<K>, b: HeapEntry<K>): boolean {
    const c = this.compare(a.key, b.key);
    return c < 0 || (c === 0 && a.run < b.run);
  }
}
