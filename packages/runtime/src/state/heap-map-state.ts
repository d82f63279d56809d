import { HeapState } from './heap-state.js';
import type { MapState } from './state-types.js';
import type { TtlCell } from './ttl.js';
import { UserKeyMap } from './user-key-map.js';

/**
 * One UserKeyMap per key; an emptied map is removed, so a key without entries has no state. With
 * a TTL every entry has its own timestamp, as in Flink. Iteration is over the current key's map
 * at the time of the call.
 */
export class HeapMapState<UK, UV> extends HeapState implements MapState<UK, UV> {
  get(key: UK): UV | undefined {
    return this.read(key)?.[0];
  }

  contains(key: UK): boolean {
    return this.read(key) !== undefined;
  }

  put(key: UK, value: UV): void {
    const map = this.target();
    map.set(key, this.ttl === undefined ? value : this.ttl.wrap(value, this.accessedAt));
  }

  putAll(entries: Iterable<[UK, UV]> | Map<UK, UV>): void {
    const list = [...entries];
    if (list.length === 0) return;
    const map = this.target();
    for (const [k, v] of list) map.set(k, this.ttl === undefined ? v : this.ttl.wrap(v, this.accessedAt));
  }

  remove(key: UK): void {
    const cells = this.cells();
    const map = cells.get(this.key()) as UserKeyMap<unknown> | undefined;
    if (map === undefined) return;
    map.delete(key);
    if (map.size === 0) cells.delete(this.key());
  }

  *entries(): IterableIterator<[UK, UV]> {
    yield* this.visibleEntries();
  }

  *keys(): IterableIterator<UK> {
    for (const [k] of this.visibleEntries()) yield k;
  }

  *values(): IterableIterator<UV> {
    for (const [, v] of this.visibleEntries()) yield v;
  }

  isEmpty(): boolean {
    return this.visibleEntries().length === 0;
  }

  /** [value] when the key has an entry that may be seen (a box, since values may be undefined). */
  private read(key: UK): [UV] | undefined {
    const cells = this.cells();
    const map = cells.get(this.key()) as UserKeyMap<unknown> | undefined;
    if (map === undefined || !map.has(key)) return undefined;
    const ttl = this.ttl;
    if (ttl === undefined) return [map.get(key) as UV];
    const cell = map.get(key) as TtlCell<UV>;
    const now = this.accessedAt;
    if (ttl.isExpired(cell, now)) {
      map.delete(key);
      if (map.size === 0) cells.delete(this.key());
      return ttl.returnExpired ? [cell.value] : undefined;
    }
    if (ttl.updateOnRead) cell.ts = now;
    return [cell.value];
  }

  private target(): UserKeyMap<unknown> {
    const cells = this.cells();
    let map = cells.get(this.key()) as UserKeyMap<unknown> | undefined;
    if (map === undefined) {
      map = new UserKeyMap<unknown>(`map state '${this.name}'`);
      cells.set(this.key(), map);
    }
    return map;
  }

  /** The current key's entries, expired ones removed (and returned this once if visible). */
  private visibleEntries(): [UK, UV][] {
    const cells = this.cells();
    const map = cells.get(this.key()) as UserKeyMap<unknown> | undefined;
    if (map === undefined) return [];
    const ttl = this.ttl;
    if (ttl === undefined) return [...map.entries()] as [UK, UV][];
    const now = this.accessedAt;
    const out: [UK, UV][] = [];
    for (const [k, c] of map.entries() as IterableIterator<[UK, TtlCell<UV>]>) {
      const expired = ttl.isExpired(c, now);
      if (expired) map.delete(k);
      else if (ttl.updateOnRead) c.ts = now;
      if (!expired || ttl.returnExpired) out.push([k, c.value]);
    }
    if (map.size === 0) cells.delete(this.key());
    return out;
  }
}
