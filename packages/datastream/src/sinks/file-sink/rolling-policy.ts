import { SpindleError, errorMessage, parseDuration, parseMemorySize } from '@spindle/core';
import type { PartFileInfo } from './part-file.js';

/**
 * When a bucket closes its in-progress part file (which then becomes pending, and finished once a
 * checkpoint covering it completes) and opens a new one (Flink's RollingPolicy). Called on the
 * task's thread: `shouldRollOnEvent` before each element is written, `shouldRollOnProcessingTime`
 * every bucket check interval, `shouldRollOnCheckpoint` at each checkpoint.
 */
export interface RollingPolicy<IN = unknown> {
  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean;
  shouldRollOnEvent(partFileState: PartFileInfo, element: IN): boolean;
  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean;
}

const DEFAULT_MAX_PART_SIZE = 128 * 1024 * 1024;
const DEFAULT_ROLLOVER_INTERVAL = 60_000;
const DEFAULT_INACTIVITY_INTERVAL = 60_000;

/**
 * Flink's default policy for row formats: a part file rolls once it is larger than the maximum
 * part size (checked before the next element and at checkpoints; by default 128 MiB), when it is
 * older than the rollover interval, or when nothing was written to it for the inactivity
 * interval (both 60 s by default; checked every bucket check interval). A checkpoint otherwise
 * leaves the file in progress: the sink resumes it after a restore.
 */
export class DefaultRollingPolicy implements RollingPolicy {
  private constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  static builder(): PolicyBuilder {
    return new PolicyBuilder(DEFAULT_MAX_PART_SIZE, DEFAULT_ROLLOVER_INTERVAL, DEFAULT_INACTIVITY_INTERVAL);
  }

  /** @internal The builder's way in. */
  static of(partSize: number, rolloverInterval: number, inactivityInterval: number): DefaultRollingPolicy {
    return new DefaultRollingPolicy(partSize, rolloverInterval, inactivityInterval);
  }

  shouldRollOnCheckpoint(partFileState: PartFileInfo): boolean {
    return partFileState.size > this.partSize;
  }

  shouldRollOnEvent(partFileState: PartFileInfo): boolean {
    return partFileState.size > this.partSize;
  }

  shouldRollOnProcessingTime(partFileState: PartFileInfo, currentTime: number): boolean {
    return (
      currentTime - partFileState.creationTime >= this.rolloverInterval ||
      currentTime - partFileState.lastUpdateTime >= this.inactivityInterval
    );
  }

  /** Bytes. */
  getMaxPartSize(): number {
    return this.partSize;
  }

  /** Milliseconds. */
  getRolloverInterval(): number {
    return this.rolloverInterval;
  }

  /** Milliseconds. */
  getInactivityInterval(): number {
    return this.inactivityInterval;
  }
}

/**
 * Builds a DefaultRollingPolicy (Flink's PolicyBuilder). Sizes are bytes or strings such as
 * `'128 mb'`; intervals are milliseconds or strings such as `'15 min'`. A value that is not
 * positive fails at once, naming the setting.
 */
export class PolicyBuilder {
  constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  withMaxPartSize(size: number | string): PolicyBuilder {
    const bytes = positive('withMaxPartSize', size, parseMemorySize, "a size in bytes, or such as '128 mb'");
    return new PolicyBuilder(bytes, this.rolloverInterval, this.inactivityInterval);
  }

  withRolloverInterval(interval: number | string): PolicyBuilder {
    const ms = positive('withRolloverInterval', interval, parseDuration, "milliseconds, or a duration such as '15 min'");
    return new PolicyBuilder(this.partSize, ms, this.inactivityInterval);
  }

  withInactivityInterval(interval: number | string): PolicyBuilder {
    const ms = positive('withInactivityInterval', interval, parseDuration, "milliseconds, or a duration such as '5 min'");
    return new PolicyBuilder(this.partSize, this.rolloverInterval, ms);
  }

  build(): DefaultRollingPolicy {
    return DefaultRollingPolicy.of(this.partSize, this.rolloverInterval, this.inactivityInterval);
  }
}

/**
 * Rolls the in-progress part file at every checkpoint, and only then (Flink's
 * OnCheckpointRollingPolicy): each checkpoint commits whole files; nothing is resumed after a
 * restore.
 */
export class OnCheckpointRollingPolicy implements RollingPolicy {
  private static readonly INSTANCE = new OnCheckpointRollingPolicy();

  private constructor() {}

  static build(): OnCheckpointRollingPolicy {
    return OnCheckpointRollingPolicy.INSTANCE;
  }

  shouldRollOnCheckpoint(): boolean {
    return true;
  }

  shouldRollOnEvent(): boolean {
    return false;
  }

  shouldRollOnProcessingTime(): boolean {
    return false;
  }
}

/** Whether `policy` has the three methods of a RollingPolicy (checked when a sink is built). */
export function isRollingPolicy(policy: unknown): policy is RollingPolicy {
  const p = policy as Partial<RollingPolicy> | null | undefined;
  return (
    typeof p?.shouldRollOnCheckpoint === 'function' &&
    typeof p.shouldRollOnEvent === 'function' &&
    typeof p.shouldRollOnProcessingTime === 'function'
  );
}

function positive(setting: string, value: number | string, parse: (raw: number | string) => number, expected: string): number {
  let parsed: number;
  try {
    parsed = parse(value);
  } catch (e) {
    throw invalidPolicy(`DefaultRollingPolicy.${setting}(${JSON.stringify(value)}): ${errorMessage(e)}`);
  }
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw invalidPolicy(`DefaultRollingPolicy.${setting}(${JSON.stringify(value)}): expected a positive value (${expected})`);
  }
  return parsed;
}

export function invalidPolicy(message: string): SpindleError {
  return new SpindleError(`Invalid rolling policy: ${message}`, {
    code: 'INVALID_ROLLING_POLICY',
    userFacing: true,
    recoverability: 'non-recoverable',
  });
}
