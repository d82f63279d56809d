/** An action for the task's thread, run by the mailbox between input elements. */
export interface Mail {
  readonly description: string;
  run(): void | Promise<void>;
}

/** What the default action can tell the mailbox loop. */
export interface MailboxController {
  /**
   * Nothing to do until `until` settles (no input, no output buffer, a source waiting): the
   * loop runs mails meanwhile and calls the default action again once it settles. A rejection
   * ends the loop with that error.
   */
  suspendDefaultAction(until: Promise<unknown>): void;
  /** The default action is done for good (end of input); the loop returns after the mails queued now. */
  allActionsCompleted(): void;
}

export type DefaultAction = (controller: MailboxController) => void;

const YIELD_EVERY_MS = 1;

/**
 * The task loop (Flink's MailboxProcessor): it runs the default action (process the next input
 * element, poll the source) and, between two calls, the mails queued by timers, periodic
 * watermarks, checkpoint triggers or cancellation. Everything the loop runs is on the task's
 * thread, one thing at a time, so operators and their state need no locking.
 *
 * Mails can be put from any callback of the thread (a timer, a message); `hasMail` lets a
 * default action that processes many elements per call stop early so mails wait at most one
 * element. Every millisecond the loop yields to the thread's event loop, so other tasks of the
 * slot, timers and channel messages get their turn.
 */
export class MailboxProcessor {
  private mails: Mail[] = [];
  /** True while mails wait: checked by the default action between elements. */
  hasMail = false;
  private stopped = false;
  private completed = false;
  private suspension: Promise<unknown> | undefined;
  private wake: (() => void) | undefined;

  put(description: string, run: () => void | Promise<void>): void {
    if (this.stopped) return;
    this.mails.push({ description, run });
    this.hasMail = true;
    this.wake?.();
  }

  /**
   * Puts a mail before every mail waiting (Flink's priority mails): a checkpoint whose barriers
   * are in must be taken before timers or further input touch the state.
   */
  putFirst(description: string, run: () => void | Promise<void>): void {
    if (this.stopped) return;
    this.mails.unshift({ description, run });
    this.hasMail = true;
    this.wake?.();
  }

  /** Ends the loop as soon as the current action or mail returns (cancellation). */
  stop(): void {
    this.stopped = true;
    this.hasMail = true;
    this.wake?.();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Runs until the default action completes, the loop is stopped, or an action or mail throws.
   * May run again after it returned (a finished task that waits for its final checkpoint).
   */
  async runMailboxLoop(defaultAction: DefaultAction): Promise<void> {
    this.completed = false;
    this.suspension = undefined;
    const controller = this.controller();
    let lastYield = performance.now();
    while (!this.stopped) {
      if (this.hasMail) await this.runMails();
      if (this.stopped || this.completed) break;
      if (this.suspension) {
        await this.waitForSuspensionOrMail(this.suspension);
        lastYield = performance.now();
        continue;
      }
      defaultAction(controller);
      const now = performance.now();
      if (now - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    if (this.completed && !this.stopped) await this.runMails();
  }

  private controller(): MailboxController {
    return {
      suspendDefaultAction: (until) => {
        const suspension: Promise<unknown> = until.then(
          () => {
            if (this.suspension === suspension) this.suspension = undefined;
          },
          (e: unknown) => {
            if (this.suspension === suspension) this.suspension = undefined;
            throw e;
          },
        );
        suspension.catch(() => undefined);
        this.suspension = suspension;
      },
      allActionsCompleted: () => {
        this.completed = true;
      },
    };
  }

  private async runMails(): Promise<void> {
    while (this.mails.length > 0 && !this.stopped) {
      const batch = this.mails;
      this.mails = [];
      for (const mail of batch) {
        if (this.stopped) return;
        await mail.run();
      }
    }
    this.hasMail = this.stopped;
  }

  /** Resolves when the suspension settles (rethrowing its failure) or a mail arrives. */
  private async waitForSuspensionOrMail(suspension: Promise<unknown>): Promise<void> {
    if (this.hasMail) return;
    const mailArrived = new Promise<void>((resolve) => (this.wake = resolve));
    try {
      await Promise.race([suspension, mailArrived]);
    } finally {
      this.wake = undefined;
    }
  }
}
