import { expect } from 'chai';
import { ManualScheduler, type Cancellable, type Scheduler } from '@spindle/core';
import { MailboxProcessor } from '../src/tasks/mailbox-processor.js';
import { MailboxProcessingTimeService } from '../src/tasks/processing-time-service.js';

describe('mailbox task loop', () => {
  it('runs mails between elements of the default action, never inside one', async () => {
    const mailbox = new MailboxProcessor();
    const log: string[] = [];
    let inElement = false;
    let next = 0;
    await mailbox.runMailboxLoop((ctl) => {
      if (next === 5) return ctl.allActionsCompleted();
      inElement = true;
      const i = next++;
      log.push(`element ${i}`);
      if (i === 1) mailbox.put('from element 1', () => void log.push(`mail (in element: ${inElement})`));
      inElement = false;
    });
    expect(log).to.deep.equal(['element 0', 'element 1', 'mail (in element: false)', 'element 2', 'element 3', 'element 4']);
  });

  it('runs processing-time callbacks as mails under a manual clock, and a suspended action waits for them', async () => {
    const clock = new ManualScheduler(1000);
    const mailbox = new MailboxProcessor();
    const time = new MailboxProcessingTimeService(clock, mailbox);
    const log: string[] = [];
    let inElement = false;
    let release: (() => void) | undefined;
    time.registerTimer(1050, (ts) => void log.push(`timer ${ts} at ${time.currentProcessingTime()} (in element: ${inElement})`));
    let step = 0;
    const loop = mailbox.runMailboxLoop((ctl) => {
      inElement = true;
      step++;
      if (step === 1) {
        log.push('element 1');
        clock.advance(100); // the timer falls due inside an element: it must wait for the element to return
        log.push('element 1 done');
      } else if (step === 2) {
        ctl.suspendDefaultAction(new Promise<void>((r) => (release = r)));
      } else {
        log.push('element 3');
        ctl.allActionsCompleted();
      }
      inElement = false;
    });
    for (let i = 0; i < 20 && release === undefined; i++) await new Promise((r) => setImmediate(r));
    // While suspended (no input), timers still fire as mails.
    time.registerTimer(1200, (ts) => void log.push(`timer ${ts} while suspended`));
    clock.advance(100);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    release!();
    await loop;
    expect(log).to.deep.equal([
      'element 1',
      'element 1 done',
      'timer 1050 at 1100 (in element: false)',
      'timer 1200 while suspended',
      'element 3',
    ]);
  });

  it('fires no timer after quiesce, and stop() ends the loop', async () => {
    const clock = new ManualScheduler(0);
    const mailbox = new MailboxProcessor();
    const time = new MailboxProcessingTimeService(clock, mailbox);
    let fired = 0;
    time.scheduleAtFixedRate(() => void fired++, 10, 10);
    let calls = 0;
    await mailbox.runMailboxLoop((ctl) => {
      calls++;
      if (calls <= 3) clock.advance(10);
      else {
        time.quiesce();
        clock.advance(100);
        ctl.allActionsCompleted();
      }
    });
    expect(fired).to.equal(3);
    expect(clock.pendingCount()).to.equal(0);
    const stopping = new MailboxProcessor();
    let n = 0;
    await stopping.runMailboxLoop(() => {
      if (++n === 3) stopping.stop();
    });
    expect(n).to.equal(3);
  });

  it('ends the loop with the error of a failing mail', async () => {
    const mailbox = new MailboxProcessor();
    mailbox.put('boom', () => {
      throw new Error('mail failed');
    });
    let error: unknown;
    await mailbox.runMailboxLoop(() => undefined).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('mail failed');
  });

  it('never runs a timer before the clock reaches its time, even when the scheduler wakes it early', async () => {
    /** Runs every scheduled task one millisecond before it is due (as Node's timers sometimes do). */
    class EarlyScheduler implements Scheduler {
      nowMs = 1000;
      readonly delays: number[] = [];
      private pending: Array<{ due: number; fn: () => void }> = [];
      now(): number {
        return this.nowMs;
      }
      schedule(fn: () => void, delayMs: number): Cancellable {
        this.delays.push(delayMs);
        this.pending.push({ due: this.nowMs + delayMs, fn });
        return { cancel: () => undefined };
      }
      scheduleAtFixedRate(): Cancellable {
        throw new Error('not used');
      }
      wakeEarly(): void {
        const due = this.pending;
        this.pending = [];
        for (const t of due) {
          this.nowMs = Math.max(this.nowMs, t.due - 1);
          t.fn();
        }
      }
    }
    const clock = new EarlyScheduler();
    const mailbox = new MailboxProcessor();
    const time = new MailboxProcessingTimeService(clock, mailbox);
    const seen: Array<[number, boolean]> = [];
    const record = (ts: number): void => void seen.push([ts, clock.now() >= ts]);
    time.registerTimer(1050, record);
    time.registerTimer(Number.POSITIVE_INFINITY, record);
    clock.wakeEarly();
    await mailbox.runMailboxLoop((ctl) => ctl.allActionsCompleted());
    expect(seen).to.deep.equal([]);
    clock.nowMs = 1050;
    clock.wakeEarly();
    await mailbox.runMailboxLoop((ctl) => ctl.allActionsCompleted());
    expect(seen).to.deep.equal([[1050, true]]);
    expect(clock.delays.every((d) => d <= 2 ** 31 - 1)).to.equal(true);
  });
});
