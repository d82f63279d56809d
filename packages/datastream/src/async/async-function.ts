import { SpindleError } from '@spindle/core';
import { AbstractRichFunction } from '../functions/rich-functions.js';

/**
 * Where an async function puts its answer for one input (Flink's ResultFuture): `complete` with
 * the records to emit (none is fine), or `completeExceptionally` with the failure. Only the first
 * call counts; it may come from any callback.
 */
export interface ResultFuture<OUT> {
  complete(results: Iterable<OUT>): void;
  completeExceptionally(error: unknown): void;
}

/**
 * A call to an external service per input (Flink's AsyncFunction). `asyncInvoke` starts the call
 * and completes `resultFuture` when the answer comes; it may instead return a promise of the
 * records (`async (input) => [await lookup(input)]`), which completes the future when it settles
 * (a rejection completes it exceptionally). `timeout` is called when the answer takes longer than
 * the operator's timeout; by default it fails the job.
 */
export interface AsyncFunctionLike<IN, OUT> {
  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<Iterable<OUT> | void>;
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void;
}

export type AsyncFunction<IN, OUT> =
  AsyncFunctionLike<IN, OUT> | ((input: IN, resultFuture: ResultFuture<OUT>) => void | Promise<Iterable<OUT> | void>);

/** An async function with a lifecycle and a runtime context (Flink's RichAsyncFunction). */
export abstract class RichAsyncFunction<IN, OUT> extends AbstractRichFunction implements AsyncFunctionLike<IN, OUT> {
  abstract asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<Iterable<OUT> | void>;

  timeout(_input: IN, resultFuture: ResultFuture<OUT>): void {
    resultFuture.completeExceptionally(new AsyncTimeoutError());
  }
}

/** What the default `timeout` completes with (Flink's TimeoutException of async I/O). */
export class AsyncTimeoutError extends SpindleError {
  constructor() {
    super('Async function call has timed out.', { code: 'ASYNC_TIMEOUT', userFacing: true, recoverability: 'recoverable' });
  }
}

/** When to call again (Flink's AsyncRetryPredicate): on some results, or on some failures. */
export interface AsyncRetryPredicate<OUT> {
  resultPredicate?: (results: readonly OUT[]) => boolean;
  exceptionPredicate?: (error: unknown) => boolean;
}

/** Flink's AsyncRetryStrategy: attempts count from 1 for the first retry. */
export interface AsyncRetryStrategy<OUT> {
  canRetry(currentAttempts: number): boolean;
  getBackoffTimeMillis(currentAttempts: number): number;
  getRetryPredicate(): AsyncRetryPredicate<OUT>;
}

/** Flink's RetryPredicates. */
export const RetryPredicates = {
  /** Retries when the call answered no records. */
  EMPTY_RESULT_PREDICATE: (results: readonly unknown[]): boolean => results.length === 0,
  /** Retries on any failure. */
  HAS_EXCEPTION_PREDICATE: (_error: unknown): boolean => true,
} as const;

abstract class RetryStrategyBuilder<OUT, Self> {
  protected predicate: AsyncRetryPredicate<OUT> = {};

  constructor(protected readonly maxAttempts: number) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw invalidRetry(`maxAttempts must be a positive integer, not ${maxAttempts}`);
  }

  ifResult(predicate: (results: readonly OUT[]) => boolean): Self {
    this.predicate = { ...this.predicate, resultPredicate: predicate };
    return this as unknown as Self;
  }

  ifException(predicate: (error: unknown) => boolean): Self {
    this.predicate = { ...this.predicate, exceptionPredicate: predicate };
    return this as unknown as Self;
  }
}

class FixedDelayRetryStrategyBuilder<OUT> extends RetryStrategyBuilder<OUT, FixedDelayRetryStrategyBuilder<OUT>> {
  constructor(
    maxAttempts: number,
    private readonly backoffTimeMillis: number,
  ) {
    super(maxAttempts);
    if (!(backoffTimeMillis >= 0)) throw invalidRetry(`backoffTimeMillis must be at least 0, not ${backoffTimeMillis}`);
  }

  build(): AsyncRetryStrategy<OUT> {
    const { maxAttempts, backoffTimeMillis, predicate } = this;
    return {
      canRetry: (attempts) => attempts <= maxAttempts,
      getBackoffTimeMillis: () => backoffTimeMillis,
      getRetryPredicate: () => predicate,
    };
  }
}

class ExponentialBackoffDelayRetryStrategyBuilder<OUT> extends RetryStrategyBuilder<OUT, ExponentialBackoffDelayRetryStrategyBuilder<OUT>> {
  constructor(
    maxAttempts: number,
    private readonly initialDelay: number,
    private readonly maxRetryDelay: number,
    private readonly multiplier: number,
  ) {
    super(maxAttempts);
    if (!(initialDelay >= 0)) throw invalidRetry(`initialDelay must be at least 0, not ${initialDelay}`);
    if (!(maxRetryDelay >= initialDelay))
      throw invalidRetry(`maxRetryDelay (${maxRetryDelay}) must be at least initialDelay (${initialDelay})`);
    if (!(multiplier >= 1)) throw invalidRetry(`multiplier must be at least 1, not ${multiplier}`);
  }

  build(): AsyncRetryStrategy<OUT> {
    const { maxAttempts, initialDelay, maxRetryDelay, multiplier, predicate } = this;
    return {
      canRetry: (attempts) => attempts <= maxAttempts,
      getBackoffTimeMillis: (attempts) => Math.min(maxRetryDelay, initialDelay * multiplier ** Math.max(0, attempts - 1)),
      getRetryPredicate: () => predicate,
    };
  }
}

/** Flink's AsyncRetryStrategies. */
export const AsyncRetryStrategies = {
  NO_RETRY_STRATEGY: {
    canRetry: () => false,
    getBackoffTimeMillis: () => -1,
    getRetryPredicate: () => ({}),
  } as AsyncRetryStrategy<never>,
  FixedDelayRetryStrategyBuilder,
  ExponentialBackoffDelayRetryStrategyBuilder,
};

function invalidRetry(message: string): SpindleError {
  return new SpindleError(`async retry strategy: ${message}`, { code: 'INVALID_ARGUMENT', userFacing: true });
}
