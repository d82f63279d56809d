/** A duration, as Flink's `Time` (`Time.milliseconds(n)`, `Time.seconds(n)`, ...). */
export class Time {
  private constructor(readonly milliseconds: number) {}

  static milliseconds(ms: number): Time {
    return new Time(checkDuration(ms));
  }

  static seconds(s: number): Time {
    return new Time(checkDuration(s * 1000));
  }

  static minutes(m: number): Time {
    return new Time(checkDuration(m * 60_000));
  }

  static hours(h: number): Time {
    return new Time(checkDuration(h * 3_600_000));
  }

  static days(d: number): Time {
    return new Time(checkDuration(d * 86_400_000));
  }

  toMilliseconds(): number {
    return this.milliseconds;
  }
}

function checkDuration(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`a state TTL must be a positive number of milliseconds, got ${ms}`);
  return ms;
}

/** When the last-access timestamp of a value is refreshed. */
export enum UpdateType {
  /** On creation and every write. */
  OnCreateAndWrite = 'OnCreateAndWrite',
  /** Also on every read. */
  OnReadAndWrite = 'OnReadAndWrite',
}

/** Whether an expired value that is still stored may be returned once. */
export enum StateVisibility {
  NeverReturnExpired = 'NeverReturnExpired',
  ReturnExpiredIfNotCleanedUp = 'ReturnExpiredIfNotCleanedUp',
}

export interface IncrementalCleanup {
  /** Entries checked per state access. */
  cleanupSize: number;
  /** Also check entries whenever the current key changes (once per record). */
  runCleanupForEveryRecord: boolean;
}

/**
 * Time-to-live of keyed state, as Flink's StateTtlConfig (processing time only). Values carry the
 * time of their last access (by the update type); a value older than `ttl` is expired. Expired
 * values are removed when read, by incremental cleanup (default: 5 entries per state access,
 * Flink's default for heap backends) and, with `cleanupFullSnapshot`, left out of snapshots.
 */
export class StateTtlConfig {
  private constructor(
    readonly ttlMs: number,
    readonly updateType: UpdateType,
    readonly stateVisibility: StateVisibility,
    readonly cleanupFullSnapshot: boolean,
    readonly incrementalCleanup: IncrementalCleanup | undefined,
  ) {}

  static newBuilder(ttl: Time | number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(typeof ttl === 'number' ? Time.milliseconds(ttl).toMilliseconds() : ttl.toMilliseconds());
  }

  /** @internal Built by StateTtlConfigBuilder. */
  static create(
    ttlMs: number,
    updateType: UpdateType,
    visibility: StateVisibility,
    fullSnapshot: boolean,
    incremental: IncrementalCleanup | undefined,
  ): StateTtlConfig {
    return new StateTtlConfig(ttlMs, updateType, visibility, fullSnapshot, incremental);
  }
}

export class StateTtlConfigBuilder {
  private updateType = UpdateType.OnCreateAndWrite;
  private visibility = StateVisibility.NeverReturnExpired;
  private fullSnapshot = false;
  private incremental: IncrementalCleanup | undefined = { cleanupSize: 5, runCleanupForEveryRecord: false };

  constructor(private readonly ttlMs: number) {}

  setUpdateType(updateType: UpdateType): this {
    this.updateType = updateType;
    return this;
  }

  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType(UpdateType.OnCreateAndWrite);
  }

  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType(UpdateType.OnReadAndWrite);
  }

  setStateVisibility(visibility: StateVisibility): this {
    this.visibility = visibility;
    return this;
  }

  neverReturnExpired(): this {
    return this.setStateVisibility(StateVisibility.NeverReturnExpired);
  }

  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp);
  }

  /** Leave expired values out of full snapshots (they stay in memory until read or cleaned). */
  cleanupFullSnapshot(): this {
    this.fullSnapshot = true;
    return this;
  }

  /** Check `cleanupSize` entries on every state access, and on every record when asked. */
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord: boolean): this {
    if (!Number.isInteger(cleanupSize) || cleanupSize < 1)
      throw new RangeError(`cleanupSize must be a positive integer, got ${cleanupSize}`);
    this.incremental = { cleanupSize, runCleanupForEveryRecord };
    return this;
  }

  /** No incremental cleanup: expired values go only when read (or left out of full snapshots). */
  disableCleanupInBackground(): this {
    this.incremental = undefined;
    return this;
  }

  build(): StateTtlConfig {
    return StateTtlConfig.create(this.ttlMs, this.updateType, this.visibility, this.fullSnapshot, this.incremental);
  }
}
