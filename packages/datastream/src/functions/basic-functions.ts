/** Collects the records a flatMap emits. */
export interface Collector<T> {
  collect(record: T): void;
}

/**
 * What a user function may know about where it runs, passed as its last argument. `signal`
 * aborts when the task is cancelled (the job failed or was cancelled): long-running or
 * asynchronous code should stop when it fires.
 */
export interface FunctionContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly signal: AbortSignal;
}

export type MapFunction<T, R> = (value: T, ctx: FunctionContext) => R;
export type FlatMapFunction<T, R> = (value: T, out: Collector<R>, ctx: FunctionContext) => void;
export type FilterFunction<T> = (value: T, ctx: FunctionContext) => boolean;
/** Writes one record out (Flink's SinkFunction.invoke). */
export type SinkFunction<T> = (value: T, ctx: FunctionContext) => void;
export type ReduceFunction<T> = (accumulated: T, value: T) => T;
export type KeySelector<T, K> = (value: T) => K;

/** A field of a record to aggregate on: an array index (tuples) or a property name. */
export type FieldExpression = number | string;
