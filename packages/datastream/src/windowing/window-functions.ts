import type { AggregateFunction } from '@spindle/runtime/task';
import type { Collector } from '../functions/basic-functions.js';
import type { OutputTag } from '../functions/process-function.js';
import { AbstractRichFunction, type KeyedStateStore } from '../functions/rich-functions.js';
import type { Window } from './windows.js';

/** What a ProcessWindowFunction gets besides the elements (Flink's ProcessWindowFunction.Context). */
export interface ProcessWindowContext<W extends Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of the current key in this window; cleared with the window if `clear` does so. */
  windowState(): KeyedStateStore;
  /** State of the current key across all its windows. */
  globalState(): KeyedStateStore;
  /** Emits `value` to the side output named by `outputTag`. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

/**
 * Evaluates a window with all its elements, or with the result of an incremental `reduce` or
 * `aggregate` (Flink's ProcessWindowFunction). Records it emits carry the window's `maxTimestamp()`.
 */
export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window> extends AbstractRichFunction {
  abstract process(key: KEY, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  /** Called when the window is purged for good: clear what was kept in `windowState()` here. */
  clear(_context: ProcessWindowContext<W>): void {}
}

/** ProcessWindowFunction of a non-keyed window (Flink's ProcessAllWindowFunction). */
export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window> extends AbstractRichFunction {
  abstract process(context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  clear(_context: ProcessWindowContext<W>): void {}
}

/** The older window function (Flink's WindowFunction, used by `apply`): key, window, elements. */
export type WindowFunction<IN, OUT, KEY, W extends Window> =
  | ((key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>) => void)
  | { apply(key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>): void };

/** Flink's AllWindowFunction: window and elements. */
export type AllWindowFunction<IN, OUT, W extends Window> =
  ((window: W, input: Iterable<IN>, out: Collector<OUT>) => void) | { apply(window: W, input: Iterable<IN>, out: Collector<OUT>): void };

/** How the window's contents are kept: folded as they come (reduce, aggregate) or as a list. */
export type WindowContents =
  | { kind: 'reduce'; reduce: (a: unknown, b: unknown) => unknown }
  | { kind: 'aggregate'; aggregate: AggregateFunction<unknown, unknown, unknown> }
  | { kind: 'list' };

/**
 * What the window operator calls when a window fires (Flink's InternalWindowFunction): one shape
 * for every user function. `input` is the window's elements, or the one reduced/aggregated value.
 */
export interface InternalWindowFunction {
  /** The user function object whose lifecycle (open/close, runtime context) the operator drives. */
  readonly userFunction: unknown;
  process(key: unknown, window: Window, context: ProcessWindowContext<Window>, input: unknown[], out: Collector<unknown>): void;
  clear(window: Window, context: ProcessWindowContext<Window>): void;
}

/** Emits the input as it is (reduce or aggregate without a window function). */
export function passThrough(): InternalWindowFunction {
  return {
    userFunction: {},
    process: (_k, _w, _c, input, out) => {
      for (const v of input) out.collect(v);
    },
    clear: () => {},
  };
}

export function fromProcessWindowFunction(fn: ProcessWindowFunction<unknown, unknown, unknown, Window>): InternalWindowFunction {
  return {
    userFunction: fn,
    process: (key, _w, ctx, input, out) => fn.process(key, ctx, input, out),
    clear: (_w, ctx) => fn.clear(ctx),
  };
}

export function fromProcessAllWindowFunction(fn: ProcessAllWindowFunction<unknown, unknown, Window>): InternalWindowFunction {
  return {
    userFunction: fn,
    process: (_key, _w, ctx, input, out) => fn.process(ctx, input, out),
    clear: (_w, ctx) => fn.clear(ctx),
  };
}

export function fromWindowFunction(fn: WindowFunction<unknown, unknown, unknown, Window>): InternalWindowFunction {
  type Args = [unknown, Window, Iterable<unknown>, Collector<unknown>];
  const call = typeof fn === 'function' ? (fn as (...a: Args) => void) : applyMethod<Args>(fn);
  return { userFunction: fn, process: (key, w, _c, input, out) => call(key, w, input, out), clear: () => {} };
}

export function fromAllWindowFunction(fn: AllWindowFunction<unknown, unknown, Window>): InternalWindowFunction {
  type Args = [Window, Iterable<unknown>, Collector<unknown>];
  const call = typeof fn === 'function' ? (fn as (...a: Args) => void) : applyMethod<Args>(fn);
  return { userFunction: fn, process: (_key, w, _c, input, out) => call(w, input, out), clear: () => {} };
}

/** The `apply` method of a window function object, bound to it. */
function applyMethod<A extends unknown[]>(target: object): (...args: A) => void {
  const method = (target as { apply?: unknown }).apply;
  if (typeof method !== 'function') throw new TypeError('a window function is a function or an object with an apply method');
  return (...args: A) => {
    (method as (...a: A) => void).call(target, ...args);
  };
}
