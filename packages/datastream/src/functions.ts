/** Collects the records a flatMap emits. */
export interface Collector<T> {
  collect(record: T): void;
}

export type MapFunction<T, R> = (value: T) => R;
export type FlatMapFunction<T, R> = (value: T, out: Collector<R>) => void;
export type FilterFunction<T> = (value: T) => boolean;
export type ReduceFunction<T> = (accumulated: T, value: T) => T;
export type KeySelector<T, K> = (value: T) => K;

/** A field of a record to aggregate on: an array index (tuples) or a property name. */
export type FieldExpression = number | string;
