import type { KeyGroupRange } from '@spindle/core';
import type { TtlPolicy } from './ttl.js';

/** What the backend's current key is, as the states read it (one object shared by all states). */
export interface KeyContext {
  /** Index of the current key group within the backend's range; -1 when no key is set. */
  groupIndex: number;
  /** The current key in core's key codec. */
  encodedKey: string;
}

/** Removes what has expired from a stored cell: the cell to keep (maybe a new one) or undefined. */
export type PurgeExpired<C> = (cell: C, now: number) => C | undefined;

/**
 * The cells of one state: one map per key group of the backend's range, from encoded key to the
 * stored cell, so snapshots are written per key group and iteration needs no key decoding.
 */
export class StateTable<C> {
  readonly groups: Map<string, C>[];
  private cursorGroup = 0;
  private cursor: MapIterator<[string, C]> | undefined;

  constructor(
    readonly range: KeyGroupRange,
    readonly ttl: TtlPolicy | undefined,
    private readonly purge: PurgeExpired<C>,
  ) {
    this.groups = Array.from({ length: range.end - range.start + 1 }, () => new Map<string, C>());
  }

  group(keyGroup: number): Map<string, C> {
    const g = this.groups[keyGroup - this.range.start];
    if (g === undefined) throw new RangeError(`key group ${keyGroup} is outside [${this.range.start}, ${this.range.end}]`);
    return g;
  }

  /** Checks up to `n` entries for expiry, resuming where the previous call stopped (Flink's incremental cleanup). */
  cleanupStep(n: number): void {
    const ttl = this.ttl;
    if (ttl === undefined) return;
    const now = ttl.now();
    for (let checked = 0; checked < n;) {
      const map = this.groups[this.cursorGroup];
      if (map === undefined) {
        this.cursorGroup = 0;
        this.cursor = undefined;
        return;
      }
      this.cursor ??= map.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursorGroup++;
        this.cursor = undefined;
        continue;
      }
      checked++;
      const [key, cell] = next.value;
      const kept = this.purge(cell, now);
      if (kept === undefined) map.delete(key);
      else if (kept !== cell) map.set(key, kept);
    }
  }
}
