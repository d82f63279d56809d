import { ReducingStateDescriptor, type StateDescriptor } from '@spindle/runtime/task';
import { invalidWindow, type TimeWindow, type Window } from './windows.js';

/** What a trigger decides (Flink's TriggerResult): fire the window function, purge the window's contents, both or neither. */
export enum TriggerResult {
  CONTINUE = 'CONTINUE',
  FIRE = 'FIRE',
  PURGE = 'PURGE',
  FIRE_AND_PURGE = 'FIRE_AND_PURGE',
}

export function isFire(r: TriggerResult): boolean {
  return r === TriggerResult.FIRE || r === TriggerResult.FIRE_AND_PURGE;
}

export function isPurge(r: TriggerResult): boolean {
  return r === TriggerResult.PURGE || r === TriggerResult.FIRE_AND_PURGE;
}

/**
 * What a trigger may use (Flink's Trigger.TriggerContext): time, timers of the current key and
 * window, and state scoped to the current key and window.
 */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  getPartitionedState<S>(descriptor: StateDescriptor<S, unknown>): S;
}

/** The context of `onMerge`: also merges the merged windows' partitioned state into the new window. */
export interface OnMergeContext extends TriggerContext {
  mergePartitionedState(descriptor: StateDescriptor<unknown, unknown>): void;
}

/**
 * Decides when a window is evaluated (Flink's Trigger). Called with the window's key current;
 * `clear` removes what the trigger keeps for a window when the window is purged for good.
 * Triggers of merging windows (sessions) implement `canMerge`/`onMerge`.
 */
export abstract class Trigger<T, W extends Window> {
  abstract onElement(element: T, timestamp: number | undefined, window: W, ctx: TriggerContext): TriggerResult;
  abstract onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;

  canMerge(): boolean {
    return false;
  }

  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new TypeError(`${this.constructor.name} does not support merging windows`);
  }

  abstract clear(window: W, ctx: TriggerContext): void;

  toString(): string {
    return `${this.constructor.name}()`;
  }
}

/** Fires when the watermark passes the end of the window (Flink's EventTimeTrigger); late elements fire at once. */
export class EventTimeTrigger extends Trigger<unknown, TimeWindow> {
  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_e: unknown, _t: number | undefined, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: TimeWindow): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    if (window.maxTimestamp() > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(window.maxTimestamp());
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}

/** Fires when the task's clock passes the end of the window (Flink's ProcessingTimeTrigger). */
export class ProcessingTimeTrigger extends Trigger<unknown, TimeWindow> {
  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }

  onElement(_e: unknown, _t: number | undefined, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    if (window.maxTimestamp() > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(window.maxTimestamp());
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

/** The default trigger of GlobalWindows: never fires. */
export class NeverTrigger<T> extends Trigger<T, Window> {
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(): void {}

  override canMerge(): boolean {
    return true;
  }

  override onMerge(): void {}
}

const sum = (a: number, b: number): number => a + b;

/** Fires once `maxCount` elements are in the window, then counts afresh (Flink's CountTrigger). */
export class CountTrigger<T = unknown> extends Trigger<T, Window> {
  private readonly countDescriptor = new ReducingStateDescriptor<number>('count', sum);

  private constructor(private readonly maxCount: number) {
    super();
  }

  static of<T = unknown>(maxCount: number): CountTrigger<T> {
    if (!Number.isInteger(maxCount) || maxCount <= 0)
      throw invalidWindow(`CountTrigger: the count must be a positive integer, got ${String(maxCount)}`);
    return new CountTrigger<T>(maxCount);
  }

  onElement(_e: T, _t: number | undefined, _w: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.countDescriptor);
    count.add(1);
    if (count.get()! >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_w: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countDescriptor);
  }

  clear(_w: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.countDescriptor).clear();
  }

  override toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/** Turns every FIRE of the nested trigger into FIRE_AND_PURGE (Flink's PurgingTrigger). */
export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  private constructor(private readonly nested: Trigger<T, W>) {
    super();
  }

  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }

  private purging(r: TriggerResult): TriggerResult {
    return isFire(r) ? TriggerResult.FIRE_AND_PURGE : r;
  }

  onElement(e: T, t: number | undefined, w: W, ctx: TriggerContext): TriggerResult {
    return this.purging(this.nested.onElement(e, t, w, ctx));
  }

  onEventTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return this.purging(this.nested.onEventTime(time, w, ctx));
  }

  onProcessingTime(time: number, w: W, ctx: TriggerContext): TriggerResult {
    return this.purging(this.nested.onProcessingTime(time, w, ctx));
  }

  override canMerge(): boolean {
    return this.nested.canMerge();
  }

  override onMerge(w: W, ctx: OnMergeContext): void {
    this.nested.onMerge(w, ctx);
  }

  clear(w: W, ctx: TriggerContext): void {
    this.nested.clear(w, ctx);
  }

  override toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}
