import type { StreamOperator } from '@spindle/runtime/task';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunctionLike, KeyedCoProcessFunctionLike } from './co-functions.js';
import { SingleOutputStreamOperator, type DataStream, type KeyedStream } from './data-stream.js';
import type { FieldExpression, KeySelector } from './functions/basic-functions.js';
import { CoFlatMapOperator, CoMapOperator, CoProcessOperator, KeyedCoProcessOperator } from './operators/co-operators.js';

/**
 * Two streams of possibly different types connected into one two-input operator (Flink's
 * ConnectedStreams): the first stream is the operator's input 1 (`map1`, `processElement1`), the
 * second its input 2. Each input keeps its own partitioning; the operator never chains to its
 * inputs, and its watermark is the minimum of both inputs'.
 */
export class ConnectedStreams<IN1, IN2> {
  constructor(
    protected readonly first: DataStream<IN1>,
    protected readonly second: DataStream<IN2>,
  ) {}

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }

  getSecondInput(): DataStream<IN2> {
    return this.second;
  }

  map<OUT>(fn: CoMapFunction<IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    return this.twoInput('Co-Map', 'co-map', () => new CoMapOperator(fn as CoMapFunction<unknown, unknown, unknown>));
  }

  flatMap<OUT>(fn: CoFlatMapFunction<IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    return this.twoInput('Co-Flat Map', 'co-flat-map', () => new CoFlatMapOperator(fn as CoFlatMapFunction<unknown, unknown, unknown>));
  }

  process<OUT>(fn: CoProcessFunctionLike<IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    return this.twoInput('Co-Process', 'co-process', () => new CoProcessOperator(fn as CoProcessFunctionLike<unknown, unknown, unknown>));
  }

  /**
   * Partitions both inputs by key, each by its own selector (or field), into the same key groups:
   * records of either input with equal keys reach the same subtask.
   */
  keyBy<K>(key1: KeySelector<IN1, K> | FieldExpression, key2: KeySelector<IN2, K> | FieldExpression): KeyedConnectedStreams<IN1, IN2, K> {
    return new KeyedConnectedStreams<IN1, IN2, K>(this.first.keyBy<K>(key1), this.second.keyBy<K>(key2));
  }

  /** @internal Adds the two-input operator reading the first stream as input 0 and the second as input 1. */
  protected twoInput<OUT>(name: string, kind: string, createOperator: () => StreamOperator): SingleOutputStreamOperator<OUT> {
    const env = this.first.env;
    const t = env.addOperator({
      name,
      kind,
      role: 'operator',
      inputs: [this.first.transformation, this.second.transformation],
      createOperator,
      bounded: true,
    });
    return new SingleOutputStreamOperator<OUT>(env, t);
  }
}

/** Connected streams whose inputs are both keyed (`connected.keyBy(key1, key2)`). */
export class KeyedConnectedStreams<IN1, IN2, K> extends ConnectedStreams<IN1, IN2> {
  constructor(
    protected override readonly first: KeyedStream<IN1, K>,
    protected override readonly second: KeyedStream<IN2, K>,
  ) {
    super(first, second);
  }

  /**
   * Processes both inputs with the current key set per element (by its input's key selector):
   * keyed state (`getRuntimeContext()`) and timers are those of that key. A CoProcessFunction
   * works here too.
   */
  override process<OUT>(fn: KeyedCoProcessFunctionLike<K, IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    return this.twoInput(
      'Co-Keyed-Process',
      'co-keyed-process',
      () => new KeyedCoProcessOperator(fn as KeyedCoProcessFunctionLike<unknown, unknown, unknown, unknown>),
    );
  }
}
