import type { MapStateDescriptor } from '@spindle/runtime/task';
import type { BroadcastProcessFunctionLike, KeyedBroadcastProcessFunctionLike } from './co-functions.js';
import { SingleOutputStreamOperator, type DataStream, type KeyedStream } from './data-stream.js';
import { BroadcastProcessOperator, KeyedBroadcastProcessOperator } from './operators/broadcast-operators.js';
import type { Transformation } from './transformation.js';

type Descriptors = readonly MapStateDescriptor<unknown, unknown>[];

/** The ids of the operators a transformation reads from, directly or not (itself included). */
function upstreamOperators(t: Transformation, into = new Set<number>()): Set<number> {
  if (t.type === 'operator') {
    if (into.has(t.id)) return into;
    into.add(t.id);
    for (const i of t.inputs) upstreamOperators(i, into);
  } else if (t.type === 'partition' || t.type === 'side-output') {
    upstreamOperators(t.input, into);
  } else {
    for (const i of t.inputs) upstreamOperators(i, into);
  }
  return into;
}

/**
 * Whether the operator may read the broadcast input whole first (in BATCH): only when the two
 * inputs share no upstream operator. Otherwise a shared task blocked by the unread input's
 * backpressure would never finish the broadcast input.
 */
function canReadBroadcastFirst(input: Transformation, broadcast: Transformation): boolean {
  const left = upstreamOperators(input);
  for (const id of upstreamOperators(broadcast)) if (left.has(id)) return false;
  return true;
}

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

  /**
   * In BATCH the broadcast input is read whole before the other (when they share no upstream
   * operator), so processElement sees the final broadcast state; in STREAMING elements of both
   * inputs interleave as they arrive.
   */
  process<OUT>(fn: BroadcastProcessFunctionLike<IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    const descriptors = this.broadcastInput.descriptors;
    const first = this.broadcastFirst();
    return this.twoInput(
      'Co-Process-Broadcast',
      'co-broadcast-process',
      () => new BroadcastProcessOperator(fn as BroadcastProcessFunctionLike<unknown, unknown, unknown>, descriptors, first),
    );
  }

  protected broadcastFirst(): boolean {
    return canReadBroadcastFirst(this.input.transformation, this.broadcastInput.transformation);
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

  override process<OUT>(fn: KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>): SingleOutputStreamOperator<OUT> {
    const descriptors = this.broadcastInput.descriptors;
    const first = this.broadcastFirst();
    return this.twoInput(
      'Co-Process-Broadcast-Keyed',
      'co-broadcast-keyed-process',
      () =>
        new KeyedBroadcastProcessOperator(fn as KeyedBroadcastProcessFunctionLike<unknown, unknown, unknown, unknown>, descriptors, first),
    );
  }
}
