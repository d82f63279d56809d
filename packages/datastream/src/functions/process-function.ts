import type { Collector } from './basic-functions.js';
import { AbstractRichFunction } from './rich-functions.js';

/**
 * Names a side output of an operator (Flink's OutputTag): `ctx.output(tag, value)` in a process
 * function sends to it, `result.getSideOutput(tag)` reads it as a stream. Tags are equal by id.
 */
export class OutputTag<T> {
  declare readonly __type?: T;

  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('an OutputTag needs a non-empty id');
  }
}

/**
 * Time and timers of a process function (Flink's TimerService). Timers are per key: they need a
 * keyed stream (KeyedProcessFunction after keyBy). Registering one time twice fires once; a
 * deleted timer never fires. Event-time timers fire when the watermark passes them (at the end of
 * a bounded input, all of them); processing-time timers when the task's clock does.
 */
export interface TimerService {
  currentProcessingTime(): number;
  /** The operator's current event time (-Infinity before the first watermark). */
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME';

/** What `processElement` gets besides the value (Flink's ProcessFunction.Context). */
export interface ProcessFunctionContext {
  /** The event timestamp of the record (or of the firing timer); undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits `value` to the side output named by `outputTag`. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

export interface OnTimerContext extends ProcessFunctionContext {
  timeDomain(): TimeDomain;
}

export interface KeyedProcessFunctionContext<K> extends ProcessFunctionContext {
  getCurrentKey(): K;
}

export interface KeyedOnTimerContext<K> extends KeyedProcessFunctionContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * A function over each record with timers and side outputs (Flink's ProcessFunction). Timers need
 * a keyed stream: use KeyedProcessFunction after keyBy.
 */
export abstract class ProcessFunction<I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: ProcessFunctionContext, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: OnTimerContext, _out: Collector<O>): void {}
}

/**
 * A process function on a keyed stream (Flink's KeyedProcessFunction): keyed state from
 * `getRuntimeContext()`, per-key timers, `ctx.getCurrentKey()`. `onTimer` runs with the timer's key
 * current; records it emits carry the timer's time for event-time timers, none for processing time.
 */
export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: KeyedOnTimerContext<K>, _out: Collector<O>): void {}
}
