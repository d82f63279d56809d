import type { BroadcastState, MapStateDescriptor, ReadOnlyBroadcastState } from '@spindle/runtime';
import type { Collector, FunctionContext } from './functions/basic-functions.js';

/**
 * The user functions of two-input streams (Flink's CoMapFunction, CoFlatMapFunction,
 * CoProcessFunction, KeyedCoProcessFunction, BroadcastProcessFunction and
 * KeyedBroadcastProcessFunction). Each is an object (or class instance) with one method per input;
 * the methods of both inputs run on the same task thread, one element at a time, so they may share
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
 * Time as a function of a two-input operator sees it. Registering timers needs keyed state
 * (Flink allows it on keyed streams only); this is the read side.
 */
export interface CoTimerService {
  currentProcessingTime(): number;
  /** The operator's combined watermark: the minimum over both inputs (-Infinity before the first). */
  currentWatermark(): number;
}

/** What processElement1/2 see besides the value: the element's timestamp and the operator's time. */
export interface CoProcessContext extends FunctionContext {
  /** The event timestamp of the element being processed; undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): CoTimerService;
}

export interface CoProcessFunction<IN1, IN2, OUT> {
  processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void;
}

/** The context of a keyed two-input function: the key of the element being processed, too. */
export interface KeyedCoProcessContext<K> extends CoProcessContext {
  /** The key of the current element, by the key selector of the input it came from. */
  getCurrentKey(): K;
}

/** Processes two inputs keyed by their own selectors: equal keys of both inputs meet in one subtask. */
export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> {
  processElement1(value: IN1, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedCoProcessContext<K>, out: Collector<OUT>): void;
}

/** processElement of a broadcast function: the broadcast state may only be read there. */
export interface BroadcastReadOnlyContext extends CoProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** processBroadcastElement: the broadcast state may be read and written (the same way on every subtask). */
export interface BroadcastContext extends CoProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Connects a stream with a broadcast stream (Flink's BroadcastProcessFunction): every subtask
 * sees every broadcast element, and keeps the broadcast state its updates build. Updates must be
 * deterministic, so that every subtask holds the same state.
 */
export interface BroadcastProcessFunction<IN1, IN2, OUT> {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
}

/** Connects a keyed stream with a broadcast stream; processElement knows the current key. */
export interface KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}
