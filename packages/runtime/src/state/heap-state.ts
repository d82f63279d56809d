import { noKeyContext } from './state-errors.js';
import {
  encodedKeyOfStorage,
  KEY_CODEC_NAMESPACES,
  namespacedStorageKey,
  type KeyContext,
  type NamespaceSerializer,
  type StateTable,
} from './state-table.js';
import type { State } from './state-types.js';
import type { TtlCell, TtlPolicy } from './ttl.js';

/** No key: the namespaced storage key must be computed afresh. */
const NONE = Symbol('none');

/**
 * What the window operator asks of a keyed state beyond the user's view (Flink's InternalKvState
 * and InternalMergingState): the namespace the handle reads and writes, and merging namespaces.
 */
export interface InternalKvState<N = unknown> {
  /** Scopes the handle to `namespace` of the current key; undefined is the default namespace. */
  setCurrentNamespace(namespace: N | undefined): void;
}

/** List, reducing and aggregating states (Flink's InternalMergingState). */
export interface InternalMergingState<N = unknown> extends InternalKvState<N> {
  /**
   * Folds the current key's values of the `sources` namespaces into `target`'s (list: appended,
   * reducing: reduced, aggregating: the AggregateFunction's `merge`) and removes the sources' values.
   * The handle's current namespace is left as it was.
   */
  mergeNamespaces(target: N, sources: readonly N[]): void;
}

/**
 * What every heap state shares: the table of cells, the key context, the TTL policy and the
 * handle's current namespace. In the default namespace (undefined) a cell is stored under the
 * key's storage key, so plain keyed state costs one field check more than without namespaces;
 * in another namespace it is stored under namespacedStorageKey (computed once per key change).
 */
export abstract class HeapState implements State, InternalKvState {
  protected readonly ttl: TtlPolicy | undefined;
  /** The encoded current namespace; undefined for the default namespace. */
  private namespace: string | undefined;
  /**
   * No TTL and the default namespace: a cell is the stored value itself, kept under the current
   * key's storage key (the per-record fast path of value states).
   */
  protected plain: boolean;
  private namespacedFor: unknown = NONE;
  /**
   * With a TTL: the time of the current state access, read from the clock once by cells() for
   * the incremental cleanup, the expiry check and the write's timestamp alike.
   */
  protected accessedAt = 0;
  private namespaced: unknown;
  /** @internal Set by the backend when the state is asked for with a serializer. */
  namespaceSerializer: NamespaceSerializer<unknown> = KEY_CODEC_NAMESPACES;

  constructor(
    readonly name: string,
    protected readonly table: StateTable<unknown>,
    protected readonly ctx: KeyContext,
  ) {
    this.ttl = table.ttl;
    this.plain = this.ttl === undefined;
  }

  setCurrentNamespace(namespace: unknown): void {
    this.setEncodedNamespace(namespace === undefined ? undefined : this.namespaceSerializer.encode(namespace));
  }

  /** The storage key of the current key in the current namespace. */
  protected key(): unknown {
    return this.namespace === undefined ? this.ctx.key : this.namespacedKey();
  }

  /**
   * The state's cells, after checking that the current key belongs to this subtask; runs
   * incremental TTL cleanup as an access does in Flink.
   */
  protected cells(): Map<unknown, unknown> {
    const ctx = this.ctx;
    if (!ctx.active) throw noKeyContext(this.name);
    if (ctx.keyGroup < 0) ctx.resolveKeyGroup();
    const ttl = this.ttl;
    if (ttl !== undefined) {
      const now = (this.accessedAt = ttl.now());
      if (ttl.incremental !== undefined) this.table.cleanupStep(ttl.incremental.cleanupSize, now);
    }
    return this.table.cells;
  }

  clear(): void {
    this.cells().delete(this.key());
  }

  /** Merging states: see InternalMergingState. */
  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    const cells = this.cells();
    const saved = this.namespace;
    try {
      let merged: unknown = undefined;
      for (const source of sources) {
        this.setCurrentNamespace(source);
        const k = this.key();
        const cell = cells.get(k);
        if (cell === undefined) continue;
        cells.delete(k);
        merged = merged === undefined ? cell : this.mergeCells(merged, cell);
      }
      if (merged === undefined) return;
      this.setCurrentNamespace(target);
      const k = this.key();
      const existing = cells.get(k);
      cells.set(k, existing === undefined ? merged : this.mergeCells(existing, merged));
    } finally {
      this.setEncodedNamespace(saved);
    }
  }

  /** Combines two stored cells of this state (merging states override it). */
  protected mergeCells(_a: unknown, _b: unknown): unknown {
    throw new TypeError(`state '${this.name}' cannot merge namespaces: only list, reducing and aggregating states can`);
  }

  /**
   * The current key's single value with TTL semantics: an expired value is removed, and returned
   * (this once) only with ReturnExpiredIfNotCleanedUp. A read `forUpdate` (reduce, aggregate) treats
   * an expired value as absent and does not refresh the timestamp, since the write will.
   */
  protected readSingle(cells: Map<unknown, unknown>, forUpdate: boolean): unknown {
    const key = this.key();
    const cell = cells.get(key);
    const ttl = this.ttl;
    if (cell === undefined || ttl === undefined) return cell;
    const c = cell as TtlCell<unknown>;
    const now = this.accessedAt;
    if (ttl.isExpired(c, now)) {
      cells.delete(key);
      return ttl.returnExpired && !forUpdate ? c.value : undefined;
    }
    if (ttl.updateOnRead && !forUpdate) c.ts = now;
    return c.value;
  }

  /**
   * Stores the current key's single value; with a TTL, stamped with the access time. A stored
   * cell is updated in place (cells are this state's own, and snapshots serialize them at once).
   */
  protected writeSingle(cells: Map<unknown, unknown>, value: unknown): void {
    const ttl = this.ttl;
    const key = this.key();
    if (ttl === undefined) {
      cells.set(key, value);
      return;
    }
    const cell = cells.get(key) as TtlCell<unknown> | undefined;
    if (cell === undefined) {
      cells.set(key, ttl.wrap(value, this.accessedAt));
      return;
    }
    cell.value = value;
    cell.ts = this.accessedAt;
  }

  /** Merges two single-value cells with `combine`, keeping the TTL wrapping. */
  protected mergeSingle(a: unknown, b: unknown, combine: (x: unknown, y: unknown) => unknown): unknown {
    const ttl = this.ttl;
    if (ttl === undefined) return combine(a, b);
    return ttl.wrap(combine((a as TtlCell<unknown>).value, (b as TtlCell<unknown>).value));
  }

  private setEncodedNamespace(encoded: string | undefined): void {
    this.namespace = encoded;
    this.plain = this.ttl === undefined && encoded === undefined;
    this.namespacedFor = NONE;
  }

  private namespacedKey(): unknown {
    const key = this.ctx.key;
    if (key !== this.namespacedFor) {
      this.namespaced = namespacedStorageKey(encodedKeyOfStorage(key), this.namespace!);
      this.namespacedFor = key;
    }
    return this.namespaced;
  }
}
