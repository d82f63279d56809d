import type { BroadcastState, MapStateDescriptor, ReadOnlyBroadcastState, StateDescriptor } from '@spindle/runtime/task';
import type { Collector, FunctionContext } from './functions/basic-functions.js';
import type { OutputTag, TimeDomain, TimerService } from './functions/process-function.js';
import { AbstractRichFunction } from './functions/rich-functions.js';

/**
 * The user functions of two-input streams (Flink's CoMapFunction, CoFlatMapFunction,
 * CoProcessFunction, KeyedCoProcessFunction, BroadcastProcessFunction and
 * KeyedBroadcastProcessFunction). A function is an object with one method per input, or an
 * instance of one of the abstract classes below, which are rich functions (Flink's): `open`,
 * `close`, `getRuntimeContext()` with keyed state on keyed streams, and CheckpointedFunction. The
 * methods of both inputs run on the same task thread, one element at a time, so they may share
 * fields freely. Emitted records keep the timestamp of the element being processed.
 */

/** map1 for the records of the first input, map2 for those of the second. */
export interface CoMapFunction<IN1, IN2, OUT> {
  map1(value: IN1, ctx: FunctionContext): OUT;
  map2(value: IN2, ctx: FunctionContext): OUT;
}

export interface CoFlatMapFunction<IN1, IN2, OUT> {
  flatMap1(value: IN1, out: Collector<OUT>, ctx: FunctionContext): void;
  flatMap2(value: IN2, out: Collector<OUT>, ctx: FunctionContext): void;
}

/**
 * Time and timers of a two-input function (Flink's TimerService). The watermark is the operator's
 * combined one: the minimum over both inputs (-Infinity before the first). Timers are per key:
 * registering one outside a keyed context fails (`Setting timers is only supported on a keyed
 * streams.`).
 */
export type CoTimerService = TimerService;

/** What processElement1/2 see besides the value: timestamp, time and timers, side outputs. */
export interface CoProcessContext extends FunctionContext {
  /** The event timestamp of the element being processed (or of the firing timer); undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): CoTimerService;
  /** Emits `value` to the side output named by `outputTag`. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

/** The methods of a CoProcessFunction; a plain object with them works as well as a subclass. */
export interface CoProcessFunctionLike<IN1, IN2, OUT> {
  processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void;
}

/** Processes the elements of two inputs (Flink's CoProcessFunction); timers need a keyed stream. */
export abstract class CoProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction implements CoProcessFunctionLike<IN1, IN2, OUT> {
  abstract processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void;
}

/** The context of a keyed two-input function: the key of the element being processed, too. */
export interface KeyedCoProcessContext<K> extends CoProcessContext {
  /** The current key: of the element being processed (by its input's key selector), or of the firing timer. */
  getCurrentKey(): K;
}

export interface KeyedCoOnTimerContext<K> extends KeyedCoProcessContext<K> {
  timeDomain(): TimeDomain;
}

/** The methods of a KeyedCoProcessFunction (onTimer optional); a plain object works too. */
export interface KeyedCoProcessFunctionLike<K, IN1, IN2, OUT> {
  processElement1(value: IN1, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedCoOnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * Processes two inputs keyed by their own selectors (Flink's KeyedCoProcessFunction): equal keys
 * of both inputs meet in one subtask and share keyed state (`getRuntimeContext().getState(...)`)
 * and timers; `onTimer` runs with the timer's key current, and what it emits carries the timer's
 * time for event-time timers, no timestamp for processing time.
 */
export abstract class KeyedCoProcessFunction<K, IN1, IN2, OUT>
  extends AbstractRichFunction
  implements KeyedCoProcessFunctionLike<K, IN1, IN2, OUT>
{
  abstract processElement1(value: IN1, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;

  onTimer(_timestamp: number, _ctx: KeyedCoOnTimerContext<K>, _out: Collector<OUT>): void {}
}

/** processElement of a broadcast function: the broadcast state may only be read there. */
export interface BroadcastReadOnlyContext extends CoProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** processBroadcastElement: the broadcast state may be read and written (the same way on every subtask). */
export interface BroadcastContext extends CoProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** The methods of a BroadcastProcessFunction; a plain object works too. */
export interface BroadcastProcessFunctionLike<IN1, IN2, OUT> {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

/**
 * Connects a stream with a broadcast stream (Flink's BroadcastProcessFunction): every subtask
 * sees every broadcast element, and keeps the broadcast state its updates build. Updates must be
 * deterministic, so that every subtask holds the same state.
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT>
  extends AbstractRichFunction
  implements BroadcastProcessFunctionLike<IN1, IN2, OUT>
{
  abstract processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
}

export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * processBroadcastElement of a keyed broadcast function: no key is current there, but
 * `applyToKeyedState` visits every key of this subtask that has a value in a keyed state.
 */
export interface KeyedBroadcastContext extends BroadcastContext {
  /**
   * Calls `fn` for every key with a value in `descriptor`'s state, that key current and the state
   * handle given (Flink's applyToKeyedState); `fn` may read, write or clear it.
   */
  applyToKeyedState<S>(descriptor: StateDescriptor<S, unknown>, fn: (key: unknown, state: S) => void): void;
}

/** The methods of a KeyedBroadcastProcessFunction (onTimer optional); a plain object works too. */
export interface KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT> {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * Connects a keyed stream with a broadcast stream (Flink's KeyedBroadcastProcessFunction):
 * processElement knows the current key and has keyed state and timers; processBroadcastElement
 * reaches keyed state through `ctx.applyToKeyedState`.
 */
export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>
  extends AbstractRichFunction
  implements KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>
{
  abstract processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext, out: Collector<OUT>): void;

  onTimer(_timestamp: number, _ctx: KeyedBroadcastOnTimerContext<K>, _out: Collector<OUT>): void {}
}
