import type { Clock } from '@spindle/core';
import { StateVisibility, UpdateType, type IncrementalCleanup, type StateTtlConfig } from './state-ttl-config.js';

/** A value with the time of its last access, as stored by states with a TTL. */
export interface TtlCell<V> {
  value: V;
  ts: number;
}

/** A state's TTL settings compiled against the backend's clock. */
export class TtlPolicy {
  readonly ttlMs: number;
  readonly updateOnRead: boolean;
  readonly returnExpired: boolean;
  readonly cleanupFullSnapshot: boolean;
  readonly incremental: IncrementalCleanup | undefined;

  constructor(
    config: StateTtlConfig,
    private readonly clock: Clock,
  ) {
    this.ttlMs = config.ttlMs;
    this.updateOnRead = config.updateType === UpdateType.OnReadAndWrite;
    this.returnExpired = config.stateVisibility === StateVisibility.ReturnExpiredIfNotCleanedUp;
    this.cleanupFullSnapshot = config.cleanupFullSnapshot;
    this.incremental = config.incrementalCleanup;
  }

  now(): number {
    return this.clock.now();
  }

  /** As Flink: expired once `ts + ttl <= now`. */
  isExpired(cell: TtlCell<unknown>, now: number): boolean {
    return cell.ts + this.ttlMs <= now;
  }

  wrap<V>(value: V, now = this.clock.now()): TtlCell<V> {
    return { value, ts: now };
  }
}
