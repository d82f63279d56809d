/**
 * The task's own timers (output flushing) and its time accounting: idle (waiting for input),
 * back-pressured (waiting for output buffers), busy (the rest since start).
 */
export class TaskTimers {
  private readonly started = performance.now();
  private idleMs = 0;
  private backPressuredMs = 0;
  private readonly intervals: NodeJS.Timeout[] = [];

  every(periodMs: number, fn: () => void): void {
    const t = setInterval(fn, periodMs);
    t.unref();
    this.intervals.push(t);
  }

  stop(): void {
    for (const t of this.intervals) clearInterval(t);
    this.intervals.length = 0;
  }

  mark(): number {
    return performance.now();
  }

  addIdle(since: number): void {
    this.idleMs += performance.now() - since;
  }

  addBackPressured(since: number): void {
    this.backPressuredMs += performance.now() - since;
  }

  accumulatedTimes(): { accumulatedBackPressuredTimeMs: number; accumulatedBusyTimeMs: number; accumulatedIdleTimeMs: number } {
    const total = performance.now() - this.started;
    return {
      accumulatedBackPressuredTimeMs: Math.round(this.backPressuredMs),
      accumulatedIdleTimeMs: Math.round(this.idleMs),
      accumulatedBusyTimeMs: Math.max(0, Math.round(total - this.idleMs - this.backPressuredMs)),
    };
  }
}
