import { SpindleError } from '@spindle/core';
import { Watermark } from '@spindle/runtime/task';

/** Where a WatermarkGenerator sends watermarks and idleness (Flink's WatermarkOutput). */
export interface WatermarkOutput {
  /** Emits a watermark (integer milliseconds); one not above the last emitted is dropped. */
  emitWatermark(watermark: number): void;
  /** This input has no data for now: it stops holding back the watermark downstream. */
  markIdle(): void;
  /** The input has data again (emitting a watermark also does this). */
  markActive(): void;
}

/** Generates watermarks from events and time (Flink's WatermarkGenerator). */
export interface WatermarkGenerator<T> {
  /** Called for every event, with the timestamp it was assigned. */
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  /** Called every `pipeline.auto-watermark-interval` (STREAMING only). */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** What a generator factory may use: processing time (in ms) of the task. */
export interface WatermarkGeneratorContext {
  currentProcessingTime(): number;
}

/**
 * Extracts an event's timestamp (integer milliseconds); `recordTimestamp` is the timestamp the
 * record already has, or -Infinity when it has none (Flink's Long.MIN_VALUE).
 */
export type TimestampAssigner<T> = (event: T, recordTimestamp: number) => number;

function checkDuration(ms: number, what: string): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new SpindleError(`${what} must be a non-negative integer number of milliseconds, not ${ms}`, {
      code: 'INVALID_ARGUMENT',
      userFacing: true,
    });
  }
}

/**
 * Watermarks for events at most `maxOutOfOrdernessMs` late: the highest timestamp seen, minus
 * the bound, minus 1 (Flink's BoundedOutOfOrdernessWatermarks).
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number = Watermark.MIN;

  constructor(private readonly maxOutOfOrdernessMs: number) {}

  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.maxTimestamp !== Watermark.MIN) output.emitWatermark(this.maxTimestamp - this.maxOutOfOrdernessMs - 1);
  }
}

/**
 * Marks the input idle when no event arrived for `idleTimeoutMs` of processing time, and passes
 * everything else to the generator it wraps (Flink's WatermarksWithIdleness).
 */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private lastEvent: number;
  private idle = false;

  constructor(
    private readonly inner: WatermarkGenerator<T>,
    private readonly idleTimeoutMs: number,
    private readonly clock: WatermarkGeneratorContext,
  ) {
    this.lastEvent = clock.currentProcessingTime();
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    this.lastEvent = this.clock.currentProcessingTime();
    if (this.idle) {
      this.idle = false;
      output.markActive();
    }
    this.inner.onEvent(event, eventTimestamp, output);
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.clock.currentProcessingTime() - this.lastEvent >= this.idleTimeoutMs) {
      if (!this.idle) {
        this.idle = true;
        output.markIdle();
      }
      return;
    }
    this.inner.onPeriodicEmit(output);
  }
}

const NO_WATERMARKS: WatermarkGenerator<unknown> = { onEvent: () => undefined, onPeriodicEmit: () => undefined };

/**
 * How a stream gets event timestamps and watermarks (Flink's WatermarkStrategy). Durations are
 * milliseconds. Strategies are immutable: `withTimestampAssigner` and `withIdleness` return new
 * ones.
 */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly generatorFactory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idleTimeoutMs: number | undefined,
  ) {}

  /** Events may arrive up to `maxOutOfOrdernessMs` behind the highest timestamp seen. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    checkDuration(maxOutOfOrdernessMs, 'forBoundedOutOfOrderness: the bound');
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrdernessMs), undefined, undefined);
  }

  /** Timestamps only ever increase (no out-of-order events). */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), undefined, undefined);
  }

  /** Timestamps, but no watermarks (except the end of input's). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => NO_WATERMARKS, undefined, undefined);
  }

  /** A custom generator, created once per subtask. */
  static forGenerator<T>(factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory, undefined, undefined);
  }

  /** Takes each event's timestamp from `assigner` (by default, the record keeps the timestamp it has). */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.generatorFactory, assigner, this.idleTimeoutMs);
  }

  /** Marks a subtask idle after `idleTimeoutMs` of processing time without events. */
  withIdleness(idleTimeoutMs: number): WatermarkStrategy<T> {
    checkDuration(idleTimeoutMs, 'withIdleness: the timeout');
    return new WatermarkStrategy<T>(this.generatorFactory, this.timestampAssigner, idleTimeoutMs);
  }

  createWatermarkGenerator(ctx: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const generator = this.generatorFactory(ctx);
    return this.idleTimeoutMs === undefined ? generator : new WatermarksWithIdleness(generator, this.idleTimeoutMs, ctx);
  }
}
