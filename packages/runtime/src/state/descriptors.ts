import { serializerFor, type TypeSerializer } from '@spindle/core';
import type { StateTtlConfig } from './state-ttl-config.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-types.js';

/** The kinds of state a descriptor can ask for; the snapshot format records them. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

export const STATE_KINDS: readonly StateKind[] = ['value', 'list', 'map', 'reducing', 'aggregating'];

/**
 * How values are written into snapshots (state is kept as objects in memory): an explicit
 * serializer, or an Avro schema, or (neither) core's generic self-describing encoding.
 */
export interface StateSerializerOptions<T> {
  serializer?: TypeSerializer<T>;
  avroSchema?: object | string;
}

/** Combines values of a reducing state, as Flink's ReduceFunction. */
export type ReduceFunction<T> = (accumulated: T, value: T) => T;

/** Flink's AggregateFunction: an accumulator that inputs are added to and a result is read from. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

/**
 * Names a piece of state and says how to build it. `S` is the state type the backend returns for
 * it (phantom), `T` the type of the values written into snapshots (for a list, the elements; for a
 * map, the values; for an aggregating state, the accumulators).
 */
export abstract class StateDescriptor<S, T> {
  declare readonly __stateType?: S;
  abstract readonly kind: StateKind;
  readonly serializer: TypeSerializer<T>;
  private ttl: StateTtlConfig | undefined;

  protected constructor(
    readonly name: string,
    options: StateSerializerOptions<T> | undefined,
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('a state descriptor needs a non-empty name');
    this.serializer = options?.serializer ?? (serializerFor(options?.avroSchema) as TypeSerializer<T>);
  }

  /** Expire values (for lists and maps: elements and entries) not accessed for the configured time. */
  enableTimeToLive(config: StateTtlConfig): this {
    this.ttl = config;
    return this;
  }

  getTtlConfig(): StateTtlConfig | undefined {
    return this.ttl;
  }

  isTtlEnabled(): boolean {
    return this.ttl !== undefined;
  }
}

/** A single value per key; `value()` gives `defaultValue` (or undefined) when there is none. */
export class ValueStateDescriptor<T> extends StateDescriptor<ValueState<T>, T> {
  readonly kind = 'value';

  constructor(
    name: string,
    options?: StateSerializerOptions<T>,
    readonly defaultValue?: T,
  ) {
    super(name, options);
  }
}

/** A list of elements per key; the serializer writes one element. */
export class ListStateDescriptor<T> extends StateDescriptor<ListState<T>, T> {
  readonly kind = 'list';

  constructor(name: string, options?: StateSerializerOptions<T>) {
    super(name, options);
  }
}

/**
 * A map per key. User keys follow core's key codec (equality and snapshot encoding), so they must
 * be valid keys; the serializer writes the values.
 */
export class MapStateDescriptor<UK, UV> extends StateDescriptor<MapState<UK, UV>, UV> {
  readonly kind = 'map';
  declare readonly __userKeyType?: UK;

  constructor(name: string, options?: StateSerializerOptions<UV>) {
    super(name, options);
  }
}

/** A value per key that added values are folded into with `reduceFunction`. */
export class ReducingStateDescriptor<T> extends StateDescriptor<ReducingState<T>, T> {
  readonly kind = 'reducing';

  constructor(
    name: string,
    readonly reduceFunction: ReduceFunction<T>,
    options?: StateSerializerOptions<T>,
  ) {
    super(name, options);
    if (typeof reduceFunction !== 'function') throw new TypeError(`reducing state '${name}' needs a reduce function`);
  }
}

/** An accumulator per key; the serializer writes accumulators. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<AggregatingState<IN, OUT>, ACC> {
  readonly kind = 'aggregating';

  constructor(
    name: string,
    readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>,
    options?: StateSerializerOptions<ACC>,
  ) {
    super(name, options);
    const f = aggregateFunction as Partial<AggregateFunction<IN, ACC, OUT>> | undefined;
    if (typeof f?.createAccumulator !== 'function' || typeof f.add !== 'function' || typeof f.getResult !== 'function') {
      throw new TypeError(`aggregating state '${name}' needs an AggregateFunction with createAccumulator, add and getResult`);
    }
  }
}
