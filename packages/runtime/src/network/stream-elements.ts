import { SpindleError } from '@spindle/core';

/**
 * Event time in Spindle. Timestamps are integer milliseconds within
 * `Number.MIN_SAFE_INTEGER..Number.MAX_SAFE_INTEGER`, so a JS number holds them exactly; on the
 * wire they are 64-bit signed integers. Flink's `Long.MIN_VALUE` and `Long.MAX_VALUE` watermarks
 * are the sentinels `Watermark.MIN` (-Infinity) and `Watermark.MAX` (+Infinity), encoded as
 * `Long.MIN_VALUE` and `Long.MAX_VALUE`. A watermark is a number: a timestamp or a sentinel.
 */
export type Watermark = number;

export const Watermark = {
  /** The initial watermark: nothing is known yet (Flink's `Long.MIN_VALUE`). */
  MIN: Number.NEGATIVE_INFINITY,
  /** End of event time, emitted when a bounded input ends (Flink's `Watermark.MAX_WATERMARK`). */
  MAX: Number.POSITIVE_INFINITY,
} as const;

const LONG_MIN_STRING = '-9223372036854775808';
const LONG_MAX_STRING = '9223372036854775807';

/** A watermark as Flink's metrics show it: a decimal Long, the sentinels as Long.MIN_VALUE/MAX_VALUE. */
export function watermarkToLongString(mark: Watermark): string {
  if (mark === Watermark.MIN) return LONG_MIN_STRING;
  if (mark === Watermark.MAX) return LONG_MAX_STRING;
  return String(mark);
}

/** The inverse of `watermarkToLongString`. */
export function watermarkFromLongString(s: string): Watermark {
  if (s === LONG_MIN_STRING) return Watermark.MIN;
  if (s === LONG_MAX_STRING) return Watermark.MAX;
  return Number(s);
}

/** Whether a channel or input currently sends watermarks (Flink's WatermarkStatus). */
export type WatermarkStatus = 'IDLE' | 'ACTIVE';

export const WatermarkStatus = { IDLE: 'IDLE', ACTIVE: 'ACTIVE' } as const;

/** True for a valid event timestamp: an integer within the safe range. */
export function isValidTimestamp(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isSafeInteger(ts);
}

/** True for a valid watermark: a valid timestamp or one of the two sentinels. */
export function isValidWatermark(mark: unknown): mark is Watermark {
  return isValidTimestamp(mark) || mark === Watermark.MIN || mark === Watermark.MAX;
}

/** A timestamp (or watermark) that Spindle cannot represent exactly. */
export class InvalidTimestampError extends SpindleError {
  constructor(message: string) {
    super(message, { code: 'INVALID_TIMESTAMP', userFacing: true });
    this.name = 'InvalidTimestampError';
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (v === null || v === undefined) return String(v);
  return typeof v;
}

/** Throws unless `ts` is a valid timestamp; `what` names who produced it (an operator). */
export function checkTimestamp(ts: unknown, what: string): number {
  if (isValidTimestamp(ts)) return ts;
  throw new InvalidTimestampError(
    `${what} produced the timestamp ${describeValue(ts)}: event timestamps must be integer milliseconds ` +
      `between Number.MIN_SAFE_INTEGER and Number.MAX_SAFE_INTEGER`,
  );
}

/** Throws unless `mark` is a valid watermark (a timestamp, `Watermark.MIN` or `Watermark.MAX`). */
export function checkWatermark(mark: unknown, what: string): Watermark {
  if (isValidWatermark(mark)) return mark;
  throw new InvalidTimestampError(
    `${what} emitted the watermark ${describeValue(mark)}: watermarks must be integer milliseconds ` +
      `between Number.MIN_SAFE_INTEGER and Number.MAX_SAFE_INTEGER, Watermark.MIN or Watermark.MAX`,
  );
}

/** Flink's CheckpointType: a checkpoint, or a savepoint in the canonical or native format. */
export type CheckpointType = 'CHECKPOINT' | 'SAVEPOINT_CANONICAL' | 'SAVEPOINT_NATIVE';

/** How channels align on a barrier (Flink's AlignmentType). */
export type CheckpointAlignment = 'ALIGNED' | 'AT_LEAST_ONCE' | 'UNALIGNED' | 'FORCED_ALIGNED';

export interface CheckpointOptions {
  readonly type: CheckpointType;
  readonly alignment: CheckpointAlignment;
  /** The directory the tasks write this checkpoint's (or savepoint's) state to. */
  readonly targetLocation?: string;
}

/**
 * The marker that separates the records of one checkpoint from the next. Sources emit it, every
 * task broadcasts it to every channel of its outputs, and it travels in order with the records.
 */
export class CheckpointBarrier {
  readonly kind = 'checkpoint-barrier';

  constructor(
    readonly checkpointId: number,
    readonly timestamp: number,
    readonly options: CheckpointOptions,
  ) {}
}

/** An event that travels in order with the buffers of a channel, outside them (Flink's AbstractEvent). */
export type RuntimeEvent = CheckpointBarrier;
