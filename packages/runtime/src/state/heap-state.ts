import { noKeyContext } from './state-errors.js';
import type { KeyContext, StateTable } from './state-table.js';
import type { State } from './state-types.js';
import type { TtlCell, TtlPolicy } from './ttl.js';

/** What every heap state shares: the table of cells, the key context and the TTL policy. */
export abstract class HeapState implements State {
  protected readonly ttl: TtlPolicy | undefined;

  constructor(
    readonly name: string,
    protected readonly table: StateTable<unknown>,
    protected readonly ctx: KeyContext,
  ) {
    this.ttl = table.ttl;
  }

  /** The current key group's cells; runs incremental TTL cleanup as an access does in Flink. */
  protected cells(): Map<unknown, unknown> {
    const group = this.table.groups[this.ctx.groupIndex];
    if (group === undefined) throw noKeyContext(this.name);
    const incremental = this.ttl?.incremental;
    if (incremental !== undefined) this.table.cleanupStep(incremental.cleanupSize);
    return group;
  }

  clear(): void {
    this.cells().delete(this.ctx.key);
  }

  /**
   * The current key's single value with TTL semantics: an expired value is removed, and returned
   * (this once) only with ReturnExpiredIfNotCleanedUp. A read `forUpdate` (reduce, aggregate) treats
   * an expired value as absent and does not refresh the timestamp, since the write will.
   */
  protected readSingle(cells: Map<unknown, unknown>, forUpdate: boolean): unknown {
    const cell = cells.get(this.ctx.key);
    const ttl = this.ttl;
    if (cell === undefined || ttl === undefined) return cell;
    const c = cell as TtlCell<unknown>;
    const now = ttl.now();
    if (ttl.isExpired(c, now)) {
      cells.delete(this.ctx.key);
      return ttl.returnExpired && !forUpdate ? c.value : undefined;
    }
    if (ttl.updateOnRead && !forUpdate) c.ts = now;
    return c.value;
  }

  protected writeSingle(cells: Map<unknown, unknown>, value: unknown): void {
    cells.set(this.ctx.key, this.ttl === undefined ? value : this.ttl.wrap(value));
  }
}
