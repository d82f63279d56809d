import type { AggregateFunction, StreamOperator } from '@spindle/runtime/task';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import type { FieldExpression, KeySelector, ReduceFunction } from './functions/basic-functions.js';
import {
  MapPartitionOperator,
  Order,
  PartitionAggregateOperator,
  PartitionReduceOperator,
  SortPartitionOperator,
  type MapPartitionFunction,
} from './operators/batch/partition-operators.js';

export { Order, type MapPartitionFunction };

/**
 * The whole of each parallel partition of a bounded stream as one window (Flink 2's
 * PartitionWindowedStream, from `fullWindowPartition()`), BATCH only. Each operation runs per
 * subtask on the records that reach it, at the end of input; memory is the operator's managed
 * memory, the rest spills to `io.tmp.dirs`.
 */
export class PartitionWindowedStream<T> {
  constructor(
    protected readonly input: DataStream<T>,
    protected readonly keyed: boolean = false,
  ) {}

  /** Calls `fn` once with all records of the partition (once per key on a keyed stream), as they are read. */
  mapPartition<R>(fn: MapPartitionFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.op(
      'MapPartition',
      'mapPartition',
      () => new MapPartitionOperator(fn as MapPartitionFunction<unknown, unknown>, this.keyed),
    );
  }

  /**
   * The partition's records sorted by a field (tuple index or property) or a key selector, in
   * `order` (numbers by value, strings by code units); on a keyed stream, within each key.
   */
  sortPartition<K>(field: FieldExpression | KeySelector<T, K>, order: Order): SingleOutputStreamOperator<T> {
    const select = typeof field === 'function' ? (field as (r: unknown) => unknown) : this.input.fieldSelectorOf(field);
    return this.op('SortPartition', 'sortPartition', () => new SortPartitionOperator(select, order, this.keyed));
  }

  /** One record per partition (per key on a keyed stream): the records reduced with `fn`. */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    return this.op('PartitionReduce', 'reduce', () => new PartitionReduceOperator(fn as ReduceFunction<unknown>, this.keyed));
  }

  /** One result per partition (per key on a keyed stream) of an AggregateFunction. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): SingleOutputStreamOperator<R> {
    return this.op(
      'PartitionAggregate',
      'aggregate',
      () => new PartitionAggregateOperator(fn as AggregateFunction<unknown, unknown, unknown>, this.keyed),
    );
  }

  /** `method`: the API call, for the error when the job would run in STREAMING. */
  private op<R>(name: string, method: string, createOperator: () => StreamOperator): SingleOutputStreamOperator<R> {
    const api = `${this.keyed ? 'keyBy(...).' : ''}fullWindowPartition().${method}()`;
    return this.input.batchOperation<R>(name, `${this.keyed ? 'keyed-' : ''}partition-${method}`, api, createOperator);
  }
}

/** `keyBy(...).fullWindowPartition()`: the operations work on each key's records (Flink 2's KeyedPartitionWindowedStream). */
export class KeyedPartitionWindowedStream<T, K> extends PartitionWindowedStream<T> {
  /** The key type, for type inference only. */
  declare readonly __key?: K;

  constructor(input: DataStream<T>) {
    super(input, true);
  }
}
