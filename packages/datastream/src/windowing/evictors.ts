import { millisOf, invalidWindow, type Duration, type Window } from './windows.js';

/** An element of a window with its timestamp (Flink's TimestampedValue); undefined without one. */
export class TimestampedValue<T> {
  constructor(
    readonly value: T,
    readonly timestamp: number | undefined,
  ) {}

  getValue(): T {
    return this.value;
  }

  getTimestamp(): number {
    return this.timestamp ?? Number.MIN_SAFE_INTEGER;
  }

  hasTimestamp(): boolean {
    return this.timestamp !== undefined;
  }
}

/** What an evictor may know (Flink's Evictor.EvictorContext). */
export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/**
 * Removes elements from a window before and/or after the window function runs (Flink's Evictor).
 * `elements` is the window's contents in insertion order; an evictor removes elements from the
 * array in place (splice), and what is left stays in the window. A window with an evictor keeps
 * every element (no incremental aggregation), as in Flink.
 */
export interface Evictor<T, W extends Window = Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

/** Keeps the last `maxCount` elements (Flink's CountEvictor). */
export class CountEvictor<T = unknown> implements Evictor<T> {
  private constructor(
    private readonly maxCount: number,
    private readonly doEvictAfter: boolean,
  ) {}

  static of<T = unknown>(maxCount: number, doEvictAfter = false): CountEvictor<T> {
    if (!Number.isInteger(maxCount) || maxCount < 0)
      throw invalidWindow(`CountEvictor: the count must be a non-negative integer, got ${String(maxCount)}`);
    return new CountEvictor<T>(maxCount, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[], size: number): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<T>[], size: number): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }

  private evict(elements: TimestampedValue<T>[], size: number): void {
    if (size > this.maxCount) elements.splice(0, elements.length - this.maxCount);
  }
}

/**
 * Keeps the elements within `windowSize` of the newest element's timestamp (Flink's TimeEvictor):
 * those with `timestamp >= max - windowSize`. Elements without timestamps are kept.
 */
export class TimeEvictor<T = unknown> implements Evictor<T> {
  private constructor(
    private readonly windowSize: number,
    private readonly doEvictAfter: boolean,
  ) {}

  static of<T = unknown>(windowSize: Duration, doEvictAfter = false): TimeEvictor<T> {
    const ms = millisOf(windowSize);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw invalidWindow(`TimeEvictor: the window size must be a non-negative number of milliseconds, got ${String(ms)}`);
    return new TimeEvictor<T>(ms, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<T>[]): void {
    if (!elements.some((e) => e.hasTimestamp())) return;
    const max = Math.max(...elements.filter((e) => e.hasTimestamp()).map((e) => e.getTimestamp()));
    const cutoff = max - this.windowSize;
    const kept = elements.filter((e) => !e.hasTimestamp() || e.getTimestamp() >= cutoff);
    elements.splice(0, elements.length, ...kept);
  }
}

/** The distance between two elements, for DeltaEvictor (Flink's DeltaFunction). */
export type DeltaFunction<T> = (oldPoint: T, newPoint: T) => number;

/** Removes the elements whose delta to the newest element is at least `threshold` (Flink's DeltaEvictor). */
export class DeltaEvictor<T = unknown> implements Evictor<T> {
  private constructor(
    private readonly threshold: number,
    private readonly delta: DeltaFunction<T>,
    private readonly doEvictAfter: boolean,
  ) {}

  static of<T>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T> {
    if (typeof deltaFunction !== 'function') throw invalidWindow('DeltaEvictor needs a delta function (oldPoint, newPoint) => number');
    return new DeltaEvictor<T>(threshold, deltaFunction, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<T>[]): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    const kept = elements.filter((e) => this.delta(e.getValue(), last.getValue()) < this.threshold);
    elements.splice(0, elements.length, ...kept);
  }
}
