import { ValueStateDescriptor, type HeapInternalTimerService, type HeapKeyedStateBackend, type ValueState } from '@spindle/runtime/task';
import { SlidingEventTimeWindows, TumblingEventTimeWindows, type WindowAssigner } from './assigners.js';
import type { Evictor } from './evictors.js';
import { EventTimeTrigger, type Trigger } from './triggers.js';
import type { WindowContents } from './window-functions.js';
import { TimeWindow, type Window } from './windows.js';

/**
 * The slices of one key (the value of the `window-slices` state): slice ends ascending, and each
 * slice's contents (the reduced value, the accumulator, or for tumbling windows the element list).
 */
interface KeySlices {
  ends: number[];
  values: unknown[];
  /** The end of the latest window fired by its timer (-Infinity before the first). */
  fired: number;
}

/** The time-window geometry of a sliceable assigner: windows of `size` every `slide` from `offset`, in slices of `pane`. */
interface Geometry {
  size: number;
  slide: number;
  offset: number;
  pane: number;
}

/** What the sliced windows call back into the window operator for. */
export interface SlicedWindowsHost {
  /** Evaluates the window function on a window's contents, with the key current. */
  emit(window: TimeWindow, input: unknown[]): void;
  /** The window is purged for good: the window function's `clear`. */
  clear(window: TimeWindow): void;
  /** An element that belongs to no window any more: late side output or numLateRecordsDropped. */
  late(value: unknown, timestamp: number): void;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The geometry when a window operator can keep slices instead of windows: event-time tumbling or
 * sliding windows (exactly those assigners) with the default EventTimeTrigger, no evictor, and
 * contents folded as they come (tumbling: reduce, aggregate or a list; sliding: aggregate with
 * `merge`). Undefined otherwise.
 */
export function sliceGeometry(
  assigner: WindowAssigner<unknown, Window>,
  trigger: Trigger<unknown, Window>,
  evictor: Evictor<unknown, Window> | undefined,
  contents: WindowContents,
): Geometry | undefined {
  if (evictor !== undefined || trigger.constructor !== EventTimeTrigger) return undefined;
  let g: Geometry;
  if (assigner.constructor === TumblingEventTimeWindows) {
    const a = assigner as TumblingEventTimeWindows;
    g = { size: a.size, slide: a.size, offset: a.offset, pane: a.size };
  } else if (assigner.constructor === SlidingEventTimeWindows) {
    const a = assigner as SlidingEventTimeWindows;
    g = { size: a.size, slide: a.slide, offset: a.offset, pane: gcd(a.size, a.slide) };
  } else return undefined;
  if (!Number.isSafeInteger(g.size) || !Number.isSafeInteger(g.slide) || !Number.isSafeInteger(g.offset)) return undefined;
  // Windows of several slices fold slice by slice, not in arrival order: only an AggregateFunction
  // whose merge declares its accumulators combinable may be folded so (a ReduceFunction, e.g.
  // minBy/maxBy keeping the first of equals, and lists keep arrival order on a window per namespace).
  if (g.pane !== g.size && (contents.kind !== 'aggregate' || typeof contents.aggregate.merge !== 'function')) return undefined;
  return g;
}

/** Whether a slice ends in (start, end]: a loop, not a closure per timer. */
function hasSliceIn(ends: readonly number[], start: number, end: number): boolean {
  for (let i = 0; i < ends.length; i++) if (ends[i]! > start && ends[i]! <= end) return true;
  return false;
}

function startOf(time: number, offset: number, length: number): number {
  return TimeWindow.getWindowStartWithOffset(time, offset, length);
}

/**
 * The window operator's path for event-time tumbling and sliding windows with the default
 * trigger (as Flink's slicing window operator): each element of a key goes into one slice (a pane
 * of gcd(size, slide) milliseconds), and a window's contents are its slices' merged when it fires
 * (AggregateFunction.merge over the slices' accumulators; a tumbling window is one slice). A key
 * has one event-time timer per window end it has contents for, registered by the slice that first
 * brings contents to the window, so windows of the same end fire in the order of their first
 * element, as with a window per namespace. Slices go when the last window containing them is
 * cleaned up (its end plus the allowed lateness).
 *
 * Results equal the window-per-namespace path's: a window fires when the watermark passes its end,
 * late elements within the allowed lateness fire the window again at once, elements of windows
 * already cleaned up are late. State stays on the keyed state backend (a value per key, timers in
 * the operator's timer service), so it is checkpointed and rescaled by key group.
 */
export class SlicedWindows {
  private readonly state: ValueState<KeySlices>;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly pane: number;
  /** The window last handed to the window function: keys firing the same window share it. */
  private window: TimeWindow | undefined;
  /**
   * The pane of the last element, [paneStart, paneEnd), with the ends of the latest and the
   * earliest window containing it: the same for every time in the pane, as window bounds are pane
   * bounds, so elements in time order compute them once per pane.
   */
  private paneStart = 0;
  private paneEnd = 0;
  private lastEnd = 0;
  private firstEnd = 0;

  constructor(
    backend: HeapKeyedStateBackend,
    private readonly timers: HeapInternalTimerService<unknown, Window>,
    geometry: Geometry,
    private readonly contents: WindowContents,
    private readonly lateness: number,
    private readonly host: SlicedWindowsHost,
  ) {
    this.state = backend.getPartitionedState(new ValueStateDescriptor<KeySlices>('window-slices'));
    ({ size: this.size, slide: this.slide, offset: this.offset, pane: this.pane } = geometry);
  }

  processElement(value: unknown, t: number): void {
    const { size, slide, lateness } = this;
    const wm = this.timers.currentWatermark();
    if (!(t >= this.paneStart && t < this.paneEnd)) this.placePane(t);
    const { lastEnd, firstEnd } = this;
    const sliceEnd = this.paneEnd;
    // No window contains t (slide > size), or every window containing it is cleaned up.
    if (lastEnd <= t || lastEnd - 1 + lateness <= wm) {
      if (t + lateness <= wm) this.host.late(value, t);
      return;
    }
    let slices = this.state.value();
    if (slices === undefined) {
      slices = { ends: [], values: [], fired: Number.NEGATIVE_INFINITY };
      this.state.update(slices);
    }
    const ends = slices.ends;
    let i = ends.length - 1;
    while (i >= 0 && ends[i]! > sliceEnd) i--;
    const added = i < 0 || ends[i] !== sliceEnd;
    if (added) {
      i++;
      // Slices mostly come in time order: appending allocates nothing, unlike splice.
      if (i === ends.length) {
        ends.push(sliceEnd);
        slices.values.push(this.first(value));
      } else {
        ends.splice(i, 0, sliceEnd);
        slices.values.splice(i, 0, this.first(value));
      }
    } else slices.values[i] = this.fold(slices.values[i], value);
    // Firing timers of the windows the watermark has not passed: a new slice registers those of its
    // windows no other slice of the key is in (the others have theirs), and a window fired before
    // (the watermark is lower after a restore) registers again, as each element does in Flink.
    if (added || slices.fired - 1 > wm) {
      const before = i > 0 ? ends[i - 1]! : Number.NEGATIVE_INFINITY;
      const after = i + 1 < ends.length ? ends[i + 1]! : Number.POSITIVE_INFINITY;
      for (let e = lastEnd; e >= firstEnd && e - 1 > wm; e -= slide) {
        if (e <= slices.fired || (added && before <= e - size && after > e)) this.timers.registerEventTimeTimer(e - 1);
      }
    }
    // Windows the watermark passed but still kept (allowed lateness) fire again at once, latest first.
    if (firstEnd - 1 <= wm) {
      let e = lastEnd;
      while (e - 1 > wm) e -= slide;
      for (; e >= firstEnd && e - 1 + lateness > wm; e -= slide) {
        this.fire(slices, e);
        this.timers.registerEventTimeTimer(e - 1 + lateness);
      }
    }
  }

  private placePane(t: number): void {
    const { size, slide, pane } = this;
    this.paneStart = startOf(t, this.offset, pane);
    this.paneEnd = this.paneStart + pane;
    this.lastEnd = startOf(t, this.offset, slide) + size;
    this.firstEnd = this.lastEnd - Math.floor((this.lastEnd - t - 1) / slide) * slide;
  }

  /** An event-time timer of the current key at `time`: fires the window ending at time + 1, cleans up the one ending at time + 1 - lateness. */
  onEventTime(time: number): void {
    const slices = this.state.value();
    if (slices === undefined) return;
    const end = time + 1;
    if (this.isWindowEnd(end) && this.fire(slices, end)) {
      if (end > slices.fired) slices.fired = end;
      if (this.lateness > 0) this.timers.registerEventTimeTimer(time + this.lateness);
    }
    const cleaned = end - this.lateness;
    if (this.isWindowEnd(cleaned)) this.cleanUp(slices, cleaned);
  }

  private isWindowEnd(end: number): boolean {
    return startOf(end - this.size, this.offset, this.slide) === end - this.size;
  }

  private first(value: unknown): unknown {
    const c = this.contents;
    if (c.kind === 'aggregate') return c.aggregate.add(value, c.aggregate.createAccumulator());
    return c.kind === 'list' ? [value] : value;
  }

  private fold(current: unknown, value: unknown): unknown {
    const c = this.contents;
    if (c.kind === 'aggregate') return c.aggregate.add(value, current);
    if (c.kind === 'reduce') return c.reduce(current, value);
    (current as unknown[]).push(value);
    return current;
  }

  /** Evaluates the window ending at `end` from its slices; false when it has none. */
  private fire(slices: KeySlices, end: number): boolean {
    const { ends, values } = slices;
    const start = end - this.size;
    let from = 0;
    while (from < ends.length && ends[from]! <= start) from++;
    let to = from;
    while (to < ends.length && ends[to]! <= end) to++;
    if (to === from) return false;
    const c = this.contents;
    let input: unknown[];
    // A list kept for late firings is handed out as a copy, as list state gives it.
    if (c.kind === 'list') input = this.lateness > 0 ? (values[from] as unknown[]).slice() : (values[from] as unknown[]);
    else if (c.kind === 'reduce') {
      let v = values[from];
      for (let i = from + 1; i < to; i++) v = c.reduce(v, values[i]);
      input = [v];
    } else {
      const fn = c.aggregate;
      let acc = values[from];
      if (to - from > 1) {
        acc = fn.createAccumulator();
        for (let i = from; i < to; i++) acc = fn.merge!(acc, values[i]);
      }
      input = [fn.getResult(acc)];
    }
    this.host.emit(this.windowOf(start, end), input);
    return true;
  }

  private windowOf(start: number, end: number): TimeWindow {
    const w = this.window;
    if (w !== undefined && w.end === end && w.start === start) return w;
    return (this.window = new TimeWindow(start, end));
  }

  /** Purges the window ending at `end` for good: the window function's clear, then the slices no later window contains. */
  private cleanUp(slices: KeySlices, end: number): void {
    const { ends, values } = slices;
    const start = end - this.size;
    if (hasSliceIn(ends, start, end)) this.host.clear(this.windowOf(start, end));
    let keep = 0;
    while (keep < ends.length && startOf(ends[keep]! - this.pane, this.offset, this.slide) + this.size <= end) keep++;
    if (keep === ends.length) this.state.clear();
    else if (keep === 1) {
      ends.shift();
      values.shift();
    } else if (keep > 0) {
      ends.splice(0, keep);
      values.splice(0, keep);
    }
  }
}
