import type { AggregateFunction, ReduceFunction } from './descriptors.js';
import { HeapState } from './heap-state.js';
import { noKeyContext } from './state-errors.js';
import type { KeyContext, StateTable } from './state-table.js';
import type { AggregatingState, ReducingState, ValueState } from './state-types.js';

export class HeapValueState<T> extends HeapState implements ValueState<T> {
  constructor(
    name: string,
    table: StateTable<unknown>,
    ctx: KeyContext,
    private readonly defaultValue: T | undefined,
  ) {
    super(name, table, ctx);
  }

  /**
   * The fast path (plain) checks the key's key group only when the key has no value: a key of
   * another subtask can never have one, since update checks it before storing its first value.
   */
  value(): T | undefined {
    let v: T | undefined;
    if (this.plain) {
      const ctx = this.ctx;
      if (!ctx.active) throw noKeyContext(this.name);
      v = this.table.cells.get(ctx.key) as T | undefined;
      if (v === undefined && ctx.keyGroup < 0) ctx.resolveKeyGroup();
    } else v = (this.ttl === undefined ? this.cells().get(this.key()) : this.readSingle(this.cells(), false)) as T | undefined;
    return v === undefined ? this.defaultValue : v;
  }

  update(value: T | null | undefined): void {
    if (this.plain && value !== null && value !== undefined) {
      const ctx = this.ctx;
      if (!ctx.active) throw noKeyContext(this.name);
      const cells = this.table.cells;
      const size = cells.size;
      cells.set(ctx.key, value);
      if (cells.size !== size && ctx.keyGroup < 0) {
        try {
          ctx.resolveKeyGroup();
        } catch (e) {
          cells.delete(ctx.key);
          throw e;
        }
      }
      return;
    }
    const cells = this.cells();
    if (value === null || value === undefined) cells.delete(this.key());
    else if (this.ttl === undefined) cells.set(this.key(), value);
    else this.writeSingle(cells, value);
  }
}

/** Adding null or undefined clears the state, as Flink's heap reducing state does. */
export class HeapReducingState<T> extends HeapState implements ReducingState<T> {
  constructor(
    name: string,
    table: StateTable<unknown>,
    ctx: KeyContext,
    private readonly reduce: ReduceFunction<T>,
  ) {
    super(name, table, ctx);
  }

  get(): T | undefined {
    return this.readSingle(this.cells(), false) as T | undefined;
  }

  add(value: T): void {
    const cells = this.cells();
    if (value === null || value === undefined) {
      cells.delete(this.key());
      return;
    }
    const current = this.readSingle(cells, true) as T | undefined;
    this.writeSingle(cells, current === undefined ? value : this.reduce(current, value));
  }

  protected override mergeCells(a: unknown, b: unknown): unknown {
    return this.mergeSingle(a, b, (x, y) => this.reduce(x as T, y as T));
  }
}

/** Stores the accumulator; `get` gives `getResult(accumulator)`, undefined when there is none. */
export class HeapAggregatingState<IN, ACC, OUT> extends HeapState implements AggregatingState<IN, OUT> {
  constructor(
    name: string,
    table: StateTable<unknown>,
    ctx: KeyContext,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(name, table, ctx);
  }

  get(): OUT | undefined {
    const acc = this.readSingle(this.cells(), false) as ACC | undefined;
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }

  add(value: IN): void {
    const cells = this.cells();
    if (value === null || value === undefined) {
      cells.delete(this.key());
      return;
    }
    const acc = (this.readSingle(cells, true) as ACC | undefined) ?? this.fn.createAccumulator();
    this.writeSingle(cells, this.fn.add(value, acc));
  }

  /** Accumulators are merged with the AggregateFunction's `merge`, which merging windows need. */
  protected override mergeCells(a: unknown, b: unknown): unknown {
    const fn = this.fn;
    if (typeof fn.merge !== 'function') {
      throw new TypeError(`aggregating state '${this.name}' cannot merge namespaces: its AggregateFunction has no merge(a, b)`);
    }
    return this.mergeSingle(a, b, (x, y) => fn.merge!(x as ACC, y as ACC));
  }
}
