import { KeyMap, encodeKey } from '@spindle/core';
import { ExternalSorter, compareEncodedKeys, type SpillStatistics } from '@spindle/runtime/task';
import type { ReduceFunction } from '../../functions/basic-functions.js';
import type { InPlaceAggregation } from '../keyed-reduce-operator.js';
import { estimateSize } from './memory-estimate.js';

/** Per key and entry of the table, besides the key and the accumulator themselves. */
const ENTRY_OVERHEAD = 64;

export interface HashAggregationOptions {
  operatorName: string;
  /** Managed memory of the operator: half for the table, half for the sorter's arena when it spills. */
  memoryBudget: number;
  tmpDirs: readonly string[];
}

/**
 * Keyed aggregation of a bounded input (BATCH) within a memory budget: records fold into a hash
 * table of one accumulator per key while it fits; when the table outgrows half the budget, its
 * accumulators are spilled as a run sorted by key and the table starts again. At the end, without
 * a spill, the table is the result (as fast as an in-memory aggregation); after spills, the runs
 * are merged by key and each key's partial accumulators are folded together, one key at a time,
 * so no more than a run's worth of keys is ever in memory.
 */
export class SpillingHashAggregation {
  private table: KeyMap<unknown>;
  private used = 0;
  private sorter: ExternalSorter<string> | undefined;

  constructor(
    private readonly reduce: ReduceFunction<unknown>,
    private readonly inPlace: InPlaceAggregation | undefined,
    private readonly options: HashAggregationOptions,
  ) {
    this.table = this.newTable();
  }

  get spilled(): SpillStatistics {
    return this.sorter?.spilled ?? { runs: 0, bytes: 0 };
  }

  add(key: unknown, record: unknown): void {
    const prev = this.table.get(key);
    const inPlace = this.inPlace;
    if (prev === undefined) {
      this.table.set(key, inPlace ? inPlace.copy(record) : record);
      this.used += ENTRY_OVERHEAD + estimateSize(key) + estimateSize(record);
      if (this.used > this.options.memoryBudget / 2) this.spillTable();
    } else if (inPlace) inPlace.fold(prev, record);
    else this.table.set(key, this.reduce(prev, record));
  }

  /** Every key's final accumulator. */
  *results(): Generator<unknown, void, undefined> {
    if (this.sorter === undefined) {
      yield* this.table.values();
      this.table = this.newTable();
      return;
    }
    this.spillTable();
    let currentKey: string | undefined;
    let acc: unknown;
    for (const entry of this.sorter.sorted()) {
      const [key, value] = entry as [string, unknown];
      if (key === currentKey) {
        if (this.inPlace) this.inPlace.fold(acc, value);
        else acc = this.reduce(acc, value);
        continue;
      }
      if (currentKey !== undefined) yield acc;
      currentKey = key;
      acc = value;
    }
    if (currentKey !== undefined) yield acc;
  }

  /** Frees the table and removes any spill files; idempotent. */
  close(): void {
    this.table = this.newTable();
    this.sorter?.close();
  }

  private spillTable(): void {
    this.sorter ??= new ExternalSorter<string>({
      operatorName: this.options.operatorName,
      memoryBudget: Math.max(1, Math.floor(this.options.memoryBudget / 2)),
      tmpDirs: this.options.tmpDirs,
      sortKey: (entry) => (entry as [string, unknown])[0],
      compare: compareEncodedKeys,
      naturalOrder: 'ASCENDING',
    });
    for (const [key, acc] of this.table.entries()) this.sorter.add([encodeKey(key), acc]);
    this.sorter.spill();
    this.table = this.newTable();
    this.used = 0;
  }

  private newTable(): KeyMap<unknown> {
    return new KeyMap(`keyBy of '${this.options.operatorName}'`);
  }
}
