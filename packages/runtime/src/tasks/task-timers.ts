import { RateWindow } from '../metrics/rate-window.js';

/** How often a task samples its counters for its per-second rates. */
const RATE_SAMPLE_MS = 1000;
/** The window of those rates (Flink's metric views update every 5 s). */
const RATE_WINDOW_MS = 5000;

export interface AccumulatedTimes {
  accumulatedBackPressuredTimeMs: number;
  accumulatedBusyTimeMs: number;
  accumulatedIdleTimeMs: number;
}

export interface TimeRates {
  busyTimeMsPerSecond: number;
  backPressuredTimeMsPerSecond: number;
  idleTimeMsPerSecond: number;
}

/**
 * The task's own timers (output flushing, rate sampling) and its time accounting: idle
 * (waiting for input), back-pressured (waiting for output buffers), busy (the rest since
 * start). A period of idleness or back-pressure counts while it lasts, not only once it ends,
 * so that a task blocked for good shows as such. Busy, back-pressured and idle per second come
 * from the same accounting over the last seconds.
 */
export class TaskTimers {
  private readonly started = performance.now();
  private idleMs = 0;
  private backPressuredMs = 0;
  private idleSince: number | undefined;
  private backPressuredSince: number | undefined;
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly times = new RateWindow([0, 0, 0], RATE_WINDOW_MS);

  every(periodMs: number, fn: () => void): void {
    const t = setInterval(fn, periodMs);
    t.unref();
    this.intervals.push(t);
  }

  /** Samples the time accounting for its rates every second until `stop()`, and calls `sampleCounters` with it. */
  startSampling(sampleCounters: () => void): void {
    this.every(RATE_SAMPLE_MS, () => {
      const t = this.accumulatedTimes();
      this.times.sample([t.accumulatedBusyTimeMs, t.accumulatedBackPressuredTimeMs, t.accumulatedIdleTimeMs]);
      sampleCounters();
    });
  }

  stop(): void {
    for (const t of this.intervals) clearInterval(t);
    this.intervals.length = 0;
  }

  beginIdle(): void {
    this.idleSince ??= performance.now();
  }

  endIdle(): void {
    if (this.idleSince === undefined) return;
    this.idleMs += performance.now() - this.idleSince;
    this.idleSince = undefined;
  }

  beginBackPressure(): void {
    this.backPressuredSince ??= performance.now();
  }

  endBackPressure(): void {
    if (this.backPressuredSince === undefined) return;
    this.backPressuredMs += performance.now() - this.backPressuredSince;
    this.backPressuredSince = undefined;
  }

  accumulatedTimes(): AccumulatedTimes {
    const now = performance.now();
    const idle = this.idleMs + (this.idleSince === undefined ? 0 : now - this.idleSince);
    const backPressured = this.backPressuredMs + (this.backPressuredSince === undefined ? 0 : now - this.backPressuredSince);
    return {
      accumulatedBackPressuredTimeMs: Math.round(backPressured),
      accumulatedIdleTimeMs: Math.round(idle),
      accumulatedBusyTimeMs: Math.max(0, Math.round(now - this.started - idle - backPressured)),
    };
  }

  /** Milliseconds per second busy, back-pressured and idle over the last seconds. */
  timeRates(): TimeRates {
    const t = this.accumulatedTimes();
    const [busy, backPressured, idle] = this.times.rates([
      t.accumulatedBusyTimeMs,
      t.accumulatedBackPressuredTimeMs,
      t.accumulatedIdleTimeMs,
    ]);
    const cap = (ms: number | undefined) => Math.min(1000, Math.round(ms ?? 0));
    return { busyTimeMsPerSecond: cap(busy), backPressuredTimeMsPerSecond: cap(backPressured), idleTimeMsPerSecond: cap(idle) };
  }
}
