import type { Cancellable, Scheduler } from '@spindle/core';
import { attributeFailure } from './chain.js';
import type { MailboxProcessor } from './mailbox-processor.js';

/**
 * Processing time for the operators of a task (Flink's ProcessingTimeService). Callbacks never
 * run inside the clock's timer: they are queued as mails and run by the task's mailbox loop,
 * between input elements, on the task's thread, so they may touch operator state freely. A
 * callback receives the time it was registered for. After the task ends (`quiesce`), timers no
 * longer fire.
 *
 * This is the interface the keyed timer service registers its processing-time timers through.
 */
export interface ProcessingTimeService {
  /** Now, in milliseconds since the epoch, from the task's clock. */
  currentProcessingTime(): number;
  /** Runs `callback(timestamp)` as a mail once the clock reaches `timestamp` (at once if it has). */
  registerTimer(timestamp: number, callback: (timestamp: number) => void | Promise<void>): Cancellable;
  /** Runs `callback` as a mail every `periodMs`, the first time after `initialDelayMs`. */
  scheduleAtFixedRate(callback: (timestamp: number) => void | Promise<void>, initialDelayMs: number, periodMs: number): Cancellable;
}

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The task's ProcessingTimeService, on the injected scheduler (core's ManualScheduler in tests). */
export class MailboxProcessingTimeService implements ProcessingTimeService {
  private readonly timers = new Set<Cancellable>();
  private quiesced = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly mailbox: MailboxProcessor,
  ) {}

  currentProcessingTime(): number {
    return this.scheduler.now();
  }

  registerTimer(timestamp: number, callback: (timestamp: number) => void | Promise<void>): Cancellable {
    if (this.quiesced) return { cancel: () => undefined };
    let inner: Cancellable;
    const handle: Cancellable = {
      cancel: () => {
        inner.cancel();
        this.timers.delete(handle);
      },
    };
    // Node's timers may run a millisecond before the wall clock reaches their time: such a timer
    // waits for the rest, so a callback never sees a clock before its timestamp.
    const arm = (): void => {
      inner = this.scheduler.schedule(
        () => {
          if (this.scheduler.now() < timestamp) return arm();
          this.timers.delete(handle);
          this.fire(`timer at ${timestamp}`, () => callback(timestamp));
        },
        // Node runs longer delays (over 2^31 - 1 ms) at once; a timer that far ahead re-arms instead.
        Math.min(MAX_TIMER_DELAY_MS, Math.max(0, timestamp - this.scheduler.now())),
      );
    };
    arm();
    this.timers.add(handle);
    return handle;
  }

  scheduleAtFixedRate(callback: (timestamp: number) => void | Promise<void>, initialDelayMs: number, periodMs: number): Cancellable {
    if (this.quiesced) return { cancel: () => undefined };
    const inner = this.scheduler.scheduleAtFixedRate(
      () => {
        const now = this.scheduler.now();
        this.fire(`periodic timer at ${now}`, () => callback(now));
      },
      initialDelayMs,
      periodMs,
    );
    const handle: Cancellable = {
      cancel: () => {
        inner.cancel();
        this.timers.delete(handle);
      },
    };
    this.timers.add(handle);
    return handle;
  }

  /** Cancels every timer; later registrations are ignored (the task is ending). */
  quiesce(): void {
    this.quiesced = true;
    for (const t of [...this.timers]) t.cancel();
    this.timers.clear();
  }

  private fire(description: string, run: () => void | Promise<void>): void {
    if (this.quiesced) return;
    this.mailbox.put(description, () => {
      if (!this.quiesced) return run();
    });
  }
}

/** The service as one operator sees it: a callback that throws fails the task naming that operator. */
export function attributedTimeService(service: ProcessingTimeService, operatorName: string): ProcessingTimeService {
  const wrap =
    (callback: (timestamp: number) => void | Promise<void>) =>
    async (timestamp: number): Promise<void> => {
      try {
        await callback(timestamp);
      } catch (e) {
        throw attributeFailure(e, operatorName);
      }
    };
  return {
    currentProcessingTime: () => service.currentProcessingTime(),
    registerTimer: (timestamp, callback) => service.registerTimer(timestamp, wrap(callback)),
    scheduleAtFixedRate: (callback, initialDelayMs, periodMs) => service.scheduleAtFixedRate(wrap(callback), initialDelayMs, periodMs),
  };
}
