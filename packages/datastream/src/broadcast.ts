import type { MapStateDescriptor } from '@spindle/runtime';
import type { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './co-functions.js';
import { SingleOutputStreamOperator, type DataStream, type KeyedStream } from './data-stream.js';
import { BroadcastProcessOperator, KeyedBroadcastProcessOperator } from './operators/broadcast-operators.js';
import type { Transformation } from './transformation.js';

type Descriptors = readonly MapStateDescriptor<unknown, unknown>[];

/**
 * A stream sent whole to every subtask of the operator it is connected to, with the broadcast
 * states that operator keeps (Flink's BroadcastStream, from `stream.broadcast(descriptor...)`).
 */
export class BroadcastStream<T> {
  /** The record type, for type inference only. */
  declare readonly __type?: T;

  constructor(
    /** The broadcast-partitioned input. */
    readonly transformation: Transformation,
    readonly descriptors: Descriptors,
  ) {}
}

/**
 * A stream connected with a broadcast stream (Flink's BroadcastConnectedStream): the stream is the
 * operator's input 1 (processElement), the broadcast stream its input 2 (processBroadcastElement).
 */
export class BroadcastConnectedStream<IN1, IN2> {
  constructor(
    protected readonly input: DataStream<IN1>,
    protected readonly broadcastInput: BroadcastStream<IN2>,
  ) {}

  process<OUT>(fn: BroadcastProcessFunction<IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    const descriptors = this.broadcastInput.descriptors;
    return this.twoInput(
      'Co-Process-Broadcast',
      'co-broadcast-process',
      () => new BroadcastProcessOperator(fn as BroadcastProcessFunction<unknown, unknown, unknown>, descriptors),
    );
  }

  protected twoInput<OUT>(
    name: string,
    kind: string,
    createOperator: () => BroadcastProcessOperator | KeyedBroadcastProcessOperator,
  ): SingleOutputStreamOperator<OUT> {
    const env = this.input.env;
    const t = env.addOperator({
      name,
      kind,
      role: 'operator',
      inputs: [this.input.transformation, this.broadcastInput.transformation],
      createOperator,
      bounded: true,
    });
    return new SingleOutputStreamOperator<OUT>(env, t);
  }
}

/** A keyed stream connected with a broadcast stream: processElement knows the current key. */
export class KeyedBroadcastConnectedStream<K, IN1, IN2> extends BroadcastConnectedStream<IN1, IN2> {
  constructor(
    protected override readonly input: KeyedStream<IN1, K>,
    broadcastInput: BroadcastStream<IN2>,
  ) {
    super(input, broadcastInput);
  }

  override process<OUT>(fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    const descriptors = this.broadcastInput.descriptors;
    const input = this.input;
    return this.twoInput(
      'Co-Process-Broadcast-Keyed',
      'co-broadcast-keyed-process',
      () =>
        new KeyedBroadcastProcessOperator(
          fn as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
          (v) => input.getKey(v as IN1),
          descriptors,
        ),
    );
  }
}
