import { SpindleError, encodeKey } from '@spindle/core';
import {
  compareEncodedKeys,
  compareValues,
  textLinesOutput,
  type AggregateFunction,
  type ExternalSorter,
  type OperatorContext,
} from '@spindle/runtime/task';
import type { Collector, ReduceFunction } from '../../functions/basic-functions.js';
import { AbstractOperator } from '../basic-operators.js';
import { SpillingHashAggregation } from './hash-aggregation.js';
import { emitAll } from './emit.js';
import { bufferSorter, groupingSorter, groups, sorterFor, type Keyed } from './sorted-groups.js';
import { reportSpill } from './spill-report.js';

/** Flink's MapPartitionFunction: all records of a partition (or of a key) at once, as they are read. */
export type MapPartitionFunction<T, R> = (values: Iterable<T>, out: Collector<R>) => void;

/** The sort order of `sortPartition` (Flink's `Order`). */
export const Order = { ASCENDING: 'ASCENDING', DESCENDING: 'DESCENDING' } as const;
export type Order = (typeof Order)[keyof typeof Order];

/**
 * Base of the operators over a whole bounded partition (BATCH only): keyed ones (after keyBy)
 * work one key at a time, in key order; they hold at most their managed memory and spill the rest.
 */
abstract class WholePartitionOperator extends AbstractOperator {
  constructor(protected readonly keyed: boolean) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    if (ctx.runtimeMode !== 'BATCH') {
      throw new SpindleError(`${ctx.operatorName} runs only on bounded input in BATCH mode: set execution.runtime-mode to BATCH`, {
        code: 'BATCH_ONLY',
        userFacing: true,
        recoverability: 'non-recoverable',
      });
    }
  }

  /** The encoding of the current record's key (keyed operators). */
  protected currentKey(): string {
    return encodeKey(this.keyedStateBackend!.getCurrentKey());
  }
}

/** An operator that buffers its records in a sorter and works on them at the end of input. */
abstract class SortingOperator extends WholePartitionOperator {
  protected sorter!: ExternalSorter<unknown>;

  protected abstract createSorter(ctx: OperatorContext): ExternalSorter<unknown>;
  /** The output, from the sorted records (read lazily, so that it is emitted as the merge goes). */
  protected abstract outputs(sorted: Iterator<unknown>): Iterable<unknown>;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.sorter = this.createSorter(ctx);
  }

  processElement(record: unknown): void {
    this.sorter.add(this.keyed ? [this.currentKey(), record] : record);
  }

  override async finish(): Promise<void> {
    const sorted = this.sorter.sorted();
    try {
      await emitAll(this.ctx, this.out, this.outputs(sorted));
    } finally {
      // Ends the merge (a function may leave records unread), so that the sorter's files go now.
      sorted.return();
    }
    reportSpill(this.ctx, this.sorter.spilled);
  }

  override close(): void | Promise<void> {
    this.sorter?.close();
    return super.close();
  }
}

export class MapPartitionOperator extends SortingOperator {
  constructor(
    private readonly fn: MapPartitionFunction<unknown, unknown>,
    keyed: boolean,
  ) {
    super(keyed);
  }

  protected createSorter(ctx: OperatorContext): ExternalSorter<unknown> {
    return (this.keyed ? groupingSorter(ctx) : bufferSorter(ctx)) as ExternalSorter<unknown>;
  }

  /**
   * Keyed: each key's output is collected, then emitted (waiting for room in between). A whole
   * partition's output goes straight to the output, as the function runs to its end in one call.
   */
  protected *outputs(sorted: Iterator<unknown>): Iterable<unknown> {
    if (!this.keyed) {
      this.fn({ [Symbol.iterator]: () => sorted }, this.out);
      return;
    }
    const collected: unknown[] = [];
    const collector = { collect: (r: unknown) => void collected.push(r) };
    for (const records of groups(sorted)) {
      this.fn(records, collector);
      yield* collected;
      collected.length = 0;
    }
  }
}

/** Sorts a partition by a field or key selector; keyed: by key, then within each key. */
export class SortPartitionOperator extends SortingOperator {
  constructor(
    private readonly selector: (record: unknown) => unknown,
    private readonly order: Order,
    keyed: boolean,
  ) {
    super(keyed);
  }

  protected createSorter(ctx: OperatorContext): ExternalSorter<unknown> {
    const sign = this.order === Order.DESCENDING ? -1 : 1;
    const select = this.selector;
    if (!this.keyed) return sorterFor(ctx, select, (a, b) => sign * compareValues(a, b), 1, this.order);
    return sorterFor<[string, unknown]>(
      ctx,
      (entry) => [(entry as Keyed)[0], select((entry as Keyed)[1])],
      (a, b) => compareEncodedKeys(a[0], b[0]) || sign * compareValues(a[1], b[1]),
    ) as ExternalSorter<unknown>;
  }

  /**
   * A partition of strings sorted by themselves, spilled, into a chained text sink: the merged
   * lines go to the sink as UTF-8 blocks, without being made into strings and encoded again.
   */
  override async finish(): Promise<void> {
    const lines = this.keyed ? undefined : textLinesOutput(this.out);
    const text = lines === undefined ? undefined : this.sorter.sortedText();
    if (text === undefined) return super.finish();
    try {
      for (const block of text) {
        lines!.collectTextLines(block);
        const wait = this.ctx.whenOutputAvailable?.();
        if (wait !== undefined) await wait;
        if (this.ctx.signal.aborted) return;
      }
    } finally {
      text.return();
    }
    reportSpill(this.ctx, this.sorter.spilled);
  }

  protected outputs(sorted: Iterator<unknown>): Iterable<unknown> {
    if (!this.keyed) return { [Symbol.iterator]: () => sorted };
    return (function* () {
      for (let n = sorted.next(); !n.done; n = sorted.next()) yield (n.value as Keyed)[1];
    })();
  }
}

/** Aggregates a partition, or each key, with an AggregateFunction: sorted by key, one key at a time. */
export class PartitionAggregateOperator extends SortingOperator {
  private accumulator: unknown;

  constructor(
    private readonly fn: AggregateFunction<unknown, unknown, unknown>,
    keyed: boolean,
  ) {
    super(keyed);
  }

  protected createSorter(ctx: OperatorContext): ExternalSorter<unknown> {
    return groupingSorter(ctx) as ExternalSorter<unknown>;
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    if (!this.keyed) this.accumulator = this.fn.createAccumulator();
  }

  override processElement(record: unknown): void {
    if (this.keyed) super.processElement(record);
    else this.accumulator = this.fn.add(record, this.accumulator);
  }

  protected *outputs(sorted: Iterator<unknown>): Iterable<unknown> {
    // As Flink's, the aggregate of a whole partition is emitted even when the partition is empty.
    if (!this.keyed) {
      yield this.fn.getResult(this.accumulator);
      return;
    }
    for (const records of groups(sorted)) {
      let acc = this.fn.createAccumulator();
      for (const r of records) acc = this.fn.add(r, acc);
      yield this.fn.getResult(acc);
    }
  }
}

/**
 * Reduces a partition to one record, or each key to one record (a hash table within managed
 * memory that spills sorted runs, as BATCH keyed aggregations do). `distinct` is a keyed reduce
 * that keeps a key's first record.
 */
export class PartitionReduceOperator extends WholePartitionOperator {
  private acc: unknown;
  private seen = false;
  private table: SpillingHashAggregation | undefined;

  constructor(
    private readonly fn: ReduceFunction<unknown>,
    keyed: boolean,
  ) {
    super(keyed);
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    if (this.keyed) {
      this.table = new SpillingHashAggregation(this.fn, undefined, {
        operatorName: ctx.operatorName,
        memoryBudget: ctx.managedMemory,
        tmpDirs: ctx.tmpDirs,
      });
    }
  }

  processElement(record: unknown): void {
    if (this.table) {
      this.table.add(this.keyedStateBackend!.getCurrentKey(), record);
      return;
    }
    this.acc = this.seen ? this.fn(this.acc, record) : record;
    this.seen = true;
  }

  override async finish(): Promise<void> {
    if (!this.table) {
      if (this.seen) this.out.collect(this.acc);
      return;
    }
    await emitAll(this.ctx, this.out, this.table.results());
    reportSpill(this.ctx, this.table.spilled);
  }

  override close(): void | Promise<void> {
    this.table?.close();
    return super.close();
  }
}

/** The first `n` records of a partition (passed on as they come), or of each key (sorted by key, arrival order within). */
export class FirstNOperator extends SortingOperator {
  private count = 0;

  constructor(
    private readonly n: number,
    keyed: boolean,
  ) {
    super(keyed);
  }

  protected createSorter(ctx: OperatorContext): ExternalSorter<unknown> {
    return groupingSorter(ctx) as ExternalSorter<unknown>;
  }

  override processElement(record: unknown): void {
    if (this.keyed) super.processElement(record);
    else if (this.count++ < this.n) this.out.collect(record);
  }

  protected *outputs(sorted: Iterator<unknown>): Iterable<unknown> {
    if (!this.keyed) return;
    for (const records of groups(sorted)) {
      let taken = 0;
      for (const r of records) {
        if (taken++ >= this.n) break;
        yield r;
      }
    }
  }
}
