import { HeapState } from './heap-state.js';
import { nullStateValue } from './state-errors.js';
import type { ListState } from './state-types.js';
import type { TtlCell } from './ttl.js';

/** Elements in insertion order; with a TTL every element has its own timestamp, as in Flink. */
export class HeapListState<T> extends HeapState implements ListState<T> {
  get(): T[] {
    const cells = this.cells();
    const list = cells.get(this.key()) as unknown[] | undefined;
    if (list === undefined) return [];
    const ttl = this.ttl;
    if (ttl === undefined) return (list as T[]).slice();
    const now = this.accessedAt;
    const stored = list as TtlCell<T>[];
    const live = stored.filter((c) => !ttl.isExpired(c, now));
    if (live.length === 0) cells.delete(this.key());
    else if (live.length < stored.length) cells.set(this.key(), live);
    if (ttl.updateOnRead) for (const c of live) c.ts = now;
    return (ttl.returnExpired ? stored : live).map((c) => c.value);
  }

  add(value: T): void {
    this.check(value);
    const cells = this.cells();
    const element = this.ttl === undefined ? value : this.ttl.wrap(value, this.accessedAt);
    const list = cells.get(this.key()) as unknown[] | undefined;
    if (list === undefined) cells.set(this.key(), [element]);
    else list.push(element);
  }

  addAll(values: Iterable<T>): void {
    const elements = this.elements(values);
    if (elements.length === 0) return;
    const cells = this.cells();
    const list = cells.get(this.key()) as unknown[] | undefined;
    if (list === undefined) cells.set(this.key(), elements);
    else for (const e of elements) list.push(e);
  }

  update(values: Iterable<T>): void {
    const elements = this.elements(values);
    const cells = this.cells();
    if (elements.length === 0) cells.delete(this.key());
    else cells.set(this.key(), elements);
  }

  /** Lists concatenate (elements keep their TTL timestamps). */
  protected override mergeCells(a: unknown, b: unknown): unknown {
    return (a as unknown[]).concat(b as unknown[]);
  }

  private elements(values: Iterable<T>): unknown[] {
    const now = this.ttl?.now() ?? 0;
    const out: unknown[] = [];
    for (const v of values) {
      this.check(v);
      out.push(this.ttl === undefined ? v : this.ttl.wrap(v, now));
    }
    return out;
  }

  private check(value: T): void {
    if (value === null || value === undefined) throw nullStateValue(this.name, String(value));
  }
}
