import { SpindleError } from '@spindle/core';
import type { NamespaceSerializer, Time } from '@spindle/runtime/task';

/** A group of elements a window function sees at once (Flink's Window). */
export abstract class Window {
  /** The largest timestamp that still belongs to the window. */
  abstract maxTimestamp(): number;

  toString(): string {
    return this.constructor.name;
  }
}

/**
 * A window of time [start, end) (Flink's TimeWindow): timestamps `start <= t < end`, so
 * `maxTimestamp()` is `end - 1`. Windows are equal when their bounds are.
 */
export class TimeWindow extends Window {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }

  getStart(): number {
    return this.start;
  }

  getEnd(): number {
    return this.end;
  }

  maxTimestamp(): number {
    return this.end - 1;
  }

  /** Whether the windows overlap or touch (session windows merge then). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that contains both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  override toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /** The start of the window that `timestamp` falls into, for windows of `windowSize` shifted by `offset`. */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /**
   * Merges overlapping windows (Flink's TimeWindow.mergeWindows): sorted by start, each window
   * joins the previous group when it intersects the group's cover. Calls `callback(cover, merged)`
   * for each group of more than one window.
   */
  static mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    const groups: [TimeWindow, TimeWindow[]][] = [];
    let current: [TimeWindow, TimeWindow[]] | undefined;
    for (const w of sorted) {
      if (current === undefined) current = [w, [w]];
      else if (current[0].intersects(w)) {
        current[0] = current[0].cover(w);
        current[1].push(w);
      } else {
        groups.push(current);
        current = [w, [w]];
      }
    }
    if (current !== undefined) groups.push(current);
    for (const [cover, members] of groups) if (members.length > 1) callback.merge(members, cover);
  }
}

/** The one window of GlobalWindows: every element of a key is in it; it never ends. */
export class GlobalWindow extends Window {
  static readonly INSTANCE = new GlobalWindow();

  private constructor() {
    super();
  }

  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  maxTimestamp(): number {
    return Number.MAX_SAFE_INTEGER;
  }

  override toString(): string {
    return 'GlobalWindow';
  }
}

/** Told by a merging assigner which windows become one. */
export interface MergeCallback<W> {
  merge(toBeMerged: readonly W[], mergeResult: W): void;
}

/** Window namespaces in state, timers and snapshots: `start,end` for time windows, `g` for the global one. */
export const WINDOW_NAMESPACES: NamespaceSerializer<Window> = {
  encode(w) {
    if (w instanceof TimeWindow) return `${w.start},${w.end}`;
    if (w instanceof GlobalWindow) return 'g';
    throw new TypeError(`cannot store window ${String(w)}: windows are TimeWindow or GlobalWindow`);
  },
  decode(s) {
    if (s === 'g') return GlobalWindow.INSTANCE;
    const comma = s.indexOf(',');
    return new TimeWindow(Number(s.slice(0, comma)), Number(s.slice(comma + 1)));
  },
};

/** A duration in milliseconds, given as a number or a Time. */
export type Duration = number | Time;

export function millisOf(d: Duration): number {
  return typeof d === 'number' ? d : d.milliseconds;
}

/** A user-facing error for a window or join defined with bad arguments, raised when the job is built. */
export function invalidWindow(message: string): SpindleError {
  return new SpindleError(message, { code: 'INVALID_WINDOW', recoverability: 'non-recoverable', userFacing: true });
}
