import { millisOf, GlobalWindow, invalidWindow, TimeWindow, type Duration, type MergeCallback, type Window } from './windows.js';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger } from './triggers.js';

/** What an assigner may know when it assigns an element (Flink's WindowAssignerContext). */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

/**
 * Puts each element into zero or more windows (Flink's WindowAssigner). Event-time assigners use
 * the element's timestamp; processing-time ones the task's clock.
 */
export abstract class WindowAssigner<T, W extends Window> {
  abstract assignWindows(element: T, timestamp: number | undefined, context: WindowAssignerContext): W[];

  /** The trigger used unless `trigger(...)` replaces it. */
  abstract getDefaultTrigger(): Trigger<T, W>;

  abstract isEventTime(): boolean;

  toString(): string {
    return `${this.constructor.name}()`;
  }
}

/** An assigner whose windows may merge (sessions; Flink's MergingWindowAssigner). */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  abstract mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;
}

export function isMergingAssigner<T, W extends Window>(a: WindowAssigner<T, W>): a is MergingWindowAssigner<T, W> {
  return a instanceof MergingWindowAssigner;
}

function positive(what: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidWindow(`${what}: the ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function checkOffset(what: string, offset: number, bound: number, boundName: string): number {
  if (typeof offset !== 'number' || !Number.isFinite(offset) || Math.abs(offset) >= bound) {
    throw invalidWindow(
      `${what}: the offset must satisfy abs(offset) < ${boundName}; got offset ${String(offset)} with ${boundName} ${bound}`,
    );
  }
  return offset;
}

function eventTimestamp(what: string, timestamp: number | undefined): number {
  if (timestamp === undefined) {
    throw invalidWindow(
      `${what}: a record has no timestamp; event-time windows need timestamps: call assignTimestampsAndWatermarks(...) before the window, or use a processing-time window`,
    );
  }
  return timestamp;
}

abstract class TumblingWindows<T> extends WindowAssigner<T, TimeWindow> {
  protected constructor(
    private readonly what: string,
    readonly size: number,
    readonly offset: number,
  ) {
    super();
    positive(what, 'size', size);
    checkOffset(what, offset, size, 'size');
  }

  protected windowOf(time: number): TimeWindow[] {
    const start = TimeWindow.getWindowStartWithOffset(time, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }

  override toString(): string {
    return `${this.what}(${this.size})`;
  }
}

/** Tumbling windows of `size` in event time, aligned to the epoch plus `offset` (Flink's TumblingEventTimeWindows). */
export class TumblingEventTimeWindows<T = unknown> extends TumblingWindows<T> {
  static of<T = unknown>(size: Duration, offset: Duration = 0): TumblingEventTimeWindows<T> {
    return new TumblingEventTimeWindows<T>('TumblingEventTimeWindows', millisOf(size), millisOf(offset));
  }

  assignWindows(_element: T, timestamp: number | undefined): TimeWindow[] {
    return this.windowOf(eventTimestamp('TumblingEventTimeWindows', timestamp));
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Tumbling windows of `size` in processing time (Flink's TumblingProcessingTimeWindows). */
export class TumblingProcessingTimeWindows<T = unknown> extends TumblingWindows<T> {
  static of<T = unknown>(size: Duration, offset: Duration = 0): TumblingProcessingTimeWindows<T> {
    return new TumblingProcessingTimeWindows<T>('TumblingProcessingTimeWindows', millisOf(size), millisOf(offset));
  }

  assignWindows(_element: T, _timestamp: number | undefined, context: WindowAssignerContext): TimeWindow[] {
    return this.windowOf(context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

abstract class SlidingWindows<T> extends WindowAssigner<T, TimeWindow> {
  protected constructor(
    private readonly what: string,
    readonly size: number,
    readonly slide: number,
    readonly offset: number,
  ) {
    super();
    positive(what, 'size', size);
    positive(what, 'slide', slide);
    checkOffset(what, offset, slide, 'slide');
  }

  /** Every window of `size` starting at a multiple of `slide` (plus offset) that contains `time`, latest first. */
  protected windowsOf(time: number): TimeWindow[] {
    const windows: TimeWindow[] = [];
    const last = TimeWindow.getWindowStartWithOffset(time, this.offset, this.slide);
    for (let start = last; start > time - this.size; start -= this.slide) windows.push(new TimeWindow(start, start + this.size));
    return windows;
  }

  override toString(): string {
    return `${this.what}(${this.size}, ${this.slide})`;
  }
}

/** Windows of `size` every `slide` in event time (Flink's SlidingEventTimeWindows): an element is in ceil(size/slide) of them. */
export class SlidingEventTimeWindows<T = unknown> extends SlidingWindows<T> {
  static of<T = unknown>(size: Duration, slide: Duration, offset: Duration = 0): SlidingEventTimeWindows<T> {
    return new SlidingEventTimeWindows<T>('SlidingEventTimeWindows', millisOf(size), millisOf(slide), millisOf(offset));
  }

  assignWindows(_element: T, timestamp: number | undefined): TimeWindow[] {
    return this.windowsOf(eventTimestamp('SlidingEventTimeWindows', timestamp));
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Windows of `size` every `slide` in processing time (Flink's SlidingProcessingTimeWindows). */
export class SlidingProcessingTimeWindows<T = unknown> extends SlidingWindows<T> {
  static of<T = unknown>(size: Duration, slide: Duration, offset: Duration = 0): SlidingProcessingTimeWindows<T> {
    return new SlidingProcessingTimeWindows<T>('SlidingProcessingTimeWindows', millisOf(size), millisOf(slide), millisOf(offset));
  }

  assignWindows(_element: T, _timestamp: number | undefined, context: WindowAssignerContext): TimeWindow[] {
    return this.windowsOf(context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

/** Gives the session gap of an element (Flink's SessionWindowTimeGapExtractor). */
export type SessionWindowTimeGapExtractor<T> = (element: T) => number;

abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  protected constructor(
    private readonly what: string,
    private readonly gap: number | SessionWindowTimeGapExtractor<T>,
  ) {
    super();
    if (typeof gap === 'number') positive(what, 'session gap', gap);
    else if (typeof gap !== 'function') throw invalidWindow(`${what}.withDynamicGap needs a function from an element to its gap`);
  }

  /** A session of one element: [time, time + gap); it merges with the sessions it overlaps. */
  protected sessionOf(element: T, time: number): TimeWindow[] {
    const gap = typeof this.gap === 'number' ? this.gap : this.gap(element);
    if (typeof gap !== 'number' || !Number.isFinite(gap) || gap <= 0) {
      throw invalidWindow(
        `${this.what}: the dynamic gap extractor returned ${String(gap)}; a session gap must be a positive number of milliseconds`,
      );
    }
    return [new TimeWindow(time, time + gap)];
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  override toString(): string {
    return `${this.what}(${typeof this.gap === 'number' ? this.gap : 'dynamic'})`;
  }
}

/** Sessions in event time that close after `gap` without elements (Flink's EventTimeSessionWindows). */
export class EventTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap<T = unknown>(gap: Duration): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>('EventTimeSessionWindows', millisOf(gap));
  }

  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>('EventTimeSessionWindows', extractor);
  }

  assignWindows(element: T, timestamp: number | undefined): TimeWindow[] {
    return this.sessionOf(element, eventTimestamp('EventTimeSessionWindows', timestamp));
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}

/** Sessions in processing time (Flink's ProcessingTimeSessionWindows). */
export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindows<T> {
  static withGap<T = unknown>(gap: Duration): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>('ProcessingTimeSessionWindows', millisOf(gap));
  }

  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>('ProcessingTimeSessionWindows', extractor);
  }

  assignWindows(element: T, _timestamp: number | undefined, context: WindowAssignerContext): TimeWindow[] {
    return this.sessionOf(element, context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}

/**
 * One window per key holding every element (Flink's GlobalWindows). Its default trigger never
 * fires: give one with `trigger(...)` (countWindow uses CountTrigger).
 */
export class GlobalWindows<T = unknown> extends WindowAssigner<T, GlobalWindow> {
  static create<T = unknown>(): GlobalWindows<T> {
    return new GlobalWindows<T>();
  }

  assignWindows(): GlobalWindow[] {
    return [GlobalWindow.INSTANCE];
  }

  getDefaultTrigger(): Trigger<T, GlobalWindow> {
    return new NeverTrigger<T>();
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return 'GlobalWindows()';
  }
}
