import { ReducingStateDescriptor } from '@spindle/runtime/task';
import { Trigger, TriggerResult, type OnMergeContext, type TriggerContext } from './triggers.js';
import { invalidWindow, millisOf, type Duration, type TimeWindow } from './windows.js';

const min = (a: number, b: number): number => Math.min(a, b);

/** What the two continuous triggers share: a firing every `interval`, aligned to multiples of it, kept per window. */
abstract class ContinuousTrigger extends Trigger<unknown, TimeWindow> {
  protected readonly fireTime = new ReducingStateDescriptor<number>('fire-time', min);

  protected constructor(
    what: string,
    protected readonly interval: number,
  ) {
    super();
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
      throw invalidWindow(`${what}: the interval must be a positive number of milliseconds, got ${String(interval)}`);
    }
  }

  /** Registers the next firing after `time`, unless one is registered already. */
  protected registerNext(time: number, window: TimeWindow, ctx: TriggerContext, eventTime: boolean): void {
    const state = ctx.getPartitionedState(this.fireTime);
    if (state.get() !== undefined) return;
    const next = Math.min(
      time - (((time % this.interval) + this.interval) % this.interval) + this.interval,
      eventTime ? window.maxTimestamp() : Infinity,
    );
    state.add(next);
    if (eventTime) ctx.registerEventTimeTimer(next);
    else ctx.registerProcessingTimeTimer(next);
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: TimeWindow, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTime);
  }

  clear(_window: TimeWindow, ctx: TriggerContext): void {
    const state = ctx.getPartitionedState(this.fireTime);
    const t = state.get();
    if (t !== undefined) {
      this.deleteTimer(t, ctx);
      state.clear();
    }
  }

  protected abstract deleteTimer(time: number, ctx: TriggerContext): void;
}

/**
 * Fires every `interval` of event time while the window is open, and when the watermark passes
 * its end (Flink's ContinuousEventTimeTrigger).
 */
export class ContinuousEventTimeTrigger extends ContinuousTrigger {
  static of(interval: Duration): ContinuousEventTimeTrigger {
    return new ContinuousEventTimeTrigger('ContinuousEventTimeTrigger', millisOf(interval));
  }

  onElement(_e: unknown, timestamp: number | undefined, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    this.registerNext(timestamp ?? ctx.getCurrentWatermark(), window, ctx, true);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const state = ctx.getPartitionedState(this.fireTime);
    if (state.get() === time) {
      state.clear();
      this.registerNext(time, window, ctx, true);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override clear(window: TimeWindow, ctx: TriggerContext): void {
    super.clear(window, ctx);
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  protected deleteTimer(time: number, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(time);
  }

  override toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}

/** Fires every `interval` of processing time while the window has elements (Flink's ContinuousProcessingTimeTrigger). */
export class ContinuousProcessingTimeTrigger extends ContinuousTrigger {
  static of(interval: Duration): ContinuousProcessingTimeTrigger {
    return new ContinuousProcessingTimeTrigger('ContinuousProcessingTimeTrigger', millisOf(interval));
  }

  onElement(_e: unknown, _t: number | undefined, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    this.registerNext(ctx.getCurrentProcessingTime(), window, ctx, false);
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    const state = ctx.getPartitionedState(this.fireTime);
    if (state.get() === time) {
      state.clear();
      this.registerNext(time, window, ctx, false);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  protected deleteTimer(time: number, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(time);
  }

  override toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}
