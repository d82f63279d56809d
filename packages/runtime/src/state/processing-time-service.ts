import type { Cancellable, Scheduler } from '@spindle/core';
import type { ProcessingTimeService } from '../tasks/processing-time-service.js';

/**
 * What the timer services need of processing time: the task's ProcessingTimeService
 * (`tasks/processing-time-service.ts`), whose callbacks run as mails of the task's mailbox, on the
 * task's thread, never concurrently with element processing.
 *
 * Contract: `registerTimer` runs `callback(timestamp)` once, at or after `timestamp` (right away, as
 * a later task, when it has passed), unless cancelled first; callbacks run one at a time.
 */
export type TimerScheduling = Pick<ProcessingTimeService, 'currentProcessingTime' | 'registerTimer'>;

/**
 * Timer scheduling over core's Scheduler, for tests (with a ManualScheduler) and for code
 * without a mailbox. `close()` cancels every pending timer and refuses new ones (idempotent).
 */
export class SchedulerProcessingTimeService implements TimerScheduling {
  private readonly pending = new Set<Cancellable>();
  private closed = false;

  constructor(private readonly scheduler: Scheduler) {}

  currentProcessingTime(): number {
    return this.scheduler.now();
  }

  registerTimer(timestamp: number, callback: (timestamp: number) => void): Cancellable {
    if (this.closed) return { cancel: () => undefined };
    const handle: Cancellable = this.scheduler.schedule(() => {
      this.pending.delete(handle);
      callback(timestamp);
    }, timestamp - this.scheduler.now());
    this.pending.add(handle);
    return {
      cancel: () => {
        this.pending.delete(handle);
        handle.cancel();
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending) p.cancel();
    this.pending.clear();
  }
}
