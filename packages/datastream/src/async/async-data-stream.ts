import { SpindleError } from '@spindle/core';
import type { DataStream, SingleOutputStreamOperator } from '../data-stream.js';
import type { AsyncFunction, AsyncRetryStrategy } from './async-function.js';
import { AsyncWaitOperator, type AsyncOutputMode } from './async-wait-operator.js';

/** Flink's default number of inputs in flight per subtask. */
const DEFAULT_CAPACITY = 100;

/**
 * Async I/O on a stream (Flink's AsyncDataStream): each input calls `fn`, which answers later;
 * `timeoutMs` bounds each call (with its retries; 0 for no limit), `capacity` the inputs in flight
 * per subtask. `orderedWait` emits answers in input order, `unorderedWait` as they complete
 * (watermarks still wait for every input before them). The `WithRetry` variants call again as the
 * strategy says (`AsyncRetryStrategies`).
 */
export const AsyncDataStream = {
  orderedWait<IN, OUT>(
    input: DataStream<IN>,
    fn: AsyncFunction<IN, OUT>,
    timeoutMs: number,
    capacity = DEFAULT_CAPACITY,
  ): SingleOutputStreamOperator<OUT> {
    return addOperator(input, fn, 'ORDERED', timeoutMs, capacity, undefined);
  },

  unorderedWait<IN, OUT>(
    input: DataStream<IN>,
    fn: AsyncFunction<IN, OUT>,
    timeoutMs: number,
    capacity = DEFAULT_CAPACITY,
  ): SingleOutputStreamOperator<OUT> {
    return addOperator(input, fn, 'UNORDERED', timeoutMs, capacity, undefined);
  },

  orderedWaitWithRetry<IN, OUT>(
    input: DataStream<IN>,
    fn: AsyncFunction<IN, OUT>,
    timeoutMs: number,
    capacity: number,
    retry: AsyncRetryStrategy<OUT>,
  ): SingleOutputStreamOperator<OUT> {
    return addOperator(input, fn, 'ORDERED', timeoutMs, capacity, retry);
  },

  unorderedWaitWithRetry<IN, OUT>(
    input: DataStream<IN>,
    fn: AsyncFunction<IN, OUT>,
    timeoutMs: number,
    capacity: number,
    retry: AsyncRetryStrategy<OUT>,
  ): SingleOutputStreamOperator<OUT> {
    return addOperator(input, fn, 'UNORDERED', timeoutMs, capacity, retry);
  },
};

function addOperator<IN, OUT>(
  input: DataStream<IN>,
  fn: AsyncFunction<IN, OUT>,
  mode: AsyncOutputMode,
  timeoutMs: number,
  capacity: number,
  retry: AsyncRetryStrategy<OUT> | undefined,
): SingleOutputStreamOperator<OUT> {
  const isFunction = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof fn.asyncInvoke === 'function');
  if (!isFunction)
    throw invalid('the async function must be a function (input, resultFuture) or an object with asyncInvoke(input, resultFuture)');
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
    throw invalid(`the timeout must be a number of milliseconds, at least 0 (0 for none), not ${String(timeoutMs)}`);
  }
  if (!Number.isInteger(capacity) || capacity <= 0)
    throw invalid(`the capacity (inputs in flight) must be a positive integer, not ${String(capacity)}`);
  const options = { mode, timeoutMs, capacity, ...(retry ? { retry: retry as AsyncRetryStrategy<unknown> } : {}) };
  return input.transform<OUT>('Async Wait Operator', () => new AsyncWaitOperator(fn as AsyncFunction<unknown, unknown>, options));
}

function invalid(message: string): SpindleError {
  return new SpindleError(`AsyncDataStream: ${message}`, { code: 'INVALID_ARGUMENT', userFacing: true });
}
