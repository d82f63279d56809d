/** Source of the current time in milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export interface Cancellable {
  /** Idempotent; a task that has not run yet will not run. */
  cancel(): void;
}

/** Clock plus timers; components take one in their constructor so tests can drive time. */
export interface Scheduler extends Clock {
  schedule(fn: () => void, delayMs: number): Cancellable;
  scheduleAtFixedRate(fn: () => void, initialDelayMs: number, periodMs: number): Cancellable;
}

/** Wall-clock time and Node timers. Timers keep the process alive until cancelled. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(fn, delayMs) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
  scheduleAtFixedRate(fn, initialDelayMs, periodMs) {
    let interval: NodeJS.Timeout | undefined;
    let cancelled = false;
    const first = setTimeout(
      () => {
        if (cancelled) return;
        interval = setInterval(fn, Math.max(1, periodMs));
        fn();
      },
      Math.max(0, initialDelayMs),
    );
    return {
      cancel() {
        cancelled = true;
        clearTimeout(first);
        if (interval !== undefined) clearInterval(interval);
      },
    };
  },
};

interface ManualTask {
  dueMs: number;
  seq: number;
  fn: () => void;
  periodMs?: number;
}

/**
 * Deterministic scheduler for tests: time moves only through `advance`, which runs due tasks in
 * order of due time, then of scheduling order.
 */
export class ManualScheduler implements Scheduler {
  private currentMs: number;
  private nextSeq = 0;
  private tasks: ManualTask[] = [];

  constructor(startMs = 0) {
    this.currentMs = startMs;
  }

  now(): number {
    return this.currentMs;
  }

  schedule(fn: () => void, delayMs: number): Cancellable {
    return this.add(fn, delayMs, undefined);
  }

  scheduleAtFixedRate(fn: () => void, initialDelayMs: number, periodMs: number): Cancellable {
    if (!(periodMs > 0)) throw new RangeError(`period must be positive, got ${periodMs}`);
    return this.add(fn, initialDelayMs, periodMs);
  }

  /** Moves time forward by `ms`, running every task that falls due, including ones they schedule. */
  advance(ms: number): void {
    const target = this.currentMs + Math.max(0, ms);
    for (let task = this.nextDue(target); task !== undefined; task = this.nextDue(target)) {
      this.currentMs = task.dueMs;
      this.run(task);
    }
    this.currentMs = target;
  }

  /** Number of tasks waiting to run. */
  pendingCount(): number {
    return this.tasks.length;
  }

  private add(fn: () => void, delayMs: number, periodMs: number | undefined): Cancellable {
    const task: ManualTask = { dueMs: this.currentMs + Math.max(0, delayMs), seq: this.nextSeq++, fn };
    if (periodMs !== undefined) task.periodMs = periodMs;
    this.tasks.push(task);
    return {
      cancel: () => {
        this.tasks = this.tasks.filter((t) => t !== task);
      },
    };
  }

  private nextDue(target: number): ManualTask | undefined {
    let best: ManualTask | undefined;
    for (const t of this.tasks) {
      if (t.dueMs > target) continue;
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private run(task: ManualTask): void {
    if (task.periodMs === undefined) {
      this.tasks = this.tasks.filter((t) => t !== task);
    } else {
      task.dueMs += task.periodMs;
      task.seq = this.nextSeq++;
    }
    task.fn();
  }
}
