import { SpindleError } from '@spindle/core';
import {
  OperatorStateStore,
  type BoundedMultiInput,
  type BroadcastState,
  type InputSelectable,
  type MapStateDescriptor,
  type OperatorContext,
  type ReadOnlyBroadcastState,
} from '@spindle/runtime';
import type {
  BroadcastContext,
  BroadcastProcessFunction,
  BroadcastReadOnlyContext,
  KeyedBroadcastProcessFunction,
  KeyedBroadcastReadOnlyContext,
} from '../co-functions.js';
import { AbstractTwoInputOperator, type TwoInputIndex } from './co-operators.js';

/** A view of a broadcast state without its writing methods, for processElement. */
function readOnly<K, V>(state: BroadcastState<K, V>): ReadOnlyBroadcastState<K, V> {
  return Object.freeze({
    get: (key: K) => state.get(key),
    contains: (key: K) => state.contains(key),
    entries: () => state.entries(),
    keys: () => state.keys(),
    values: () => state.values(),
    isEmpty: () => state.isEmpty(),
  });
}

/**
 * Shared by the broadcast operators (Flink's CoBroadcastWithNonKeyedOperator and
 * CoBroadcastWithKeyedOperator): input 0 is the non-broadcast stream, input 1 the broadcast one,
 * which reaches every subtask. The broadcast states named by `broadcast(...descriptors)` live in
 * the operator's OperatorStateStore (getBroadcastState), read-write for processBroadcastElement and
 * read-only for processElement.
 *
 * With `broadcastFirst` (BATCH, when the inputs share no upstream task) the operator reads the
 * broadcast input whole before the other, as Flink does in BATCH, so every record of the other
 * input sees the final broadcast state.
 */
abstract class AbstractBroadcastOperator extends AbstractTwoInputOperator implements InputSelectable, BoundedMultiInput {
  private readonly stateStore = new OperatorStateStore();
  private readBroadcastFirst = false;
  private readonly states = new Map<string, { state: BroadcastState<unknown, unknown>; view: ReadOnlyBroadcastState<unknown, unknown> }>();
  protected broadcastContext!: BroadcastContext;

  constructor(
    private readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    private readonly broadcastFirst: boolean,
  ) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.readBroadcastFirst = this.broadcastFirst && ctx.runtimeMode === 'BATCH';
    for (const d of this.descriptors) {
      const state = this.stateStore.getBroadcastState(d);
      this.states.set(d.name, { state, view: readOnly(state) });
    }
    this.broadcastContext = {
      ...this.processContext(),
      getBroadcastState: <K, V>(d: MapStateDescriptor<K, V>) => this.registered(d).state as BroadcastState<K, V>,
    };
  }

  nextSelection(): number | 'ALL' {
    return this.readBroadcastFirst ? 1 : 'ALL';
  }

  endInput(inputIndex: number): void {
    if (inputIndex === 1) this.readBroadcastFirst = false;
  }

  protected readOnlyState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.registered(descriptor).view as ReadOnlyBroadcastState<K, V>;
  }

  private registered(descriptor: MapStateDescriptor<unknown, unknown>) {
    const found = this.states.get(descriptor.name);
    if (found) return found;
    throw new SpindleError(
      `the broadcast state '${descriptor.name}' does not exist: check for typos in its descriptor, or name it in the broadcast(...) call`,
      { code: 'UNKNOWN_BROADCAST_STATE', userFacing: true },
    );
  }
}

export class BroadcastProcessOperator extends AbstractBroadcastOperator {
  private readOnlyContext!: BroadcastReadOnlyContext;

  constructor(
    private readonly fn: BroadcastProcessFunction<unknown, unknown, unknown>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    broadcastFirst: boolean,
  ) {
    super(descriptors, broadcastFirst);
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.readOnlyContext = { ...this.processContext(), getBroadcastState: (d) => this.readOnlyState(d) };
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.fn.processElement(value, this.readOnlyContext, this.collector);
    else this.fn.processBroadcastElement(value, this.broadcastContext, this.collector);
  }
}

/** The keyed variant: input 0 arrives hash-partitioned, and its current key is set per element. */
export class KeyedBroadcastProcessOperator extends AbstractBroadcastOperator {
  private readOnlyContext!: KeyedBroadcastReadOnlyContext<unknown>;
  private currentKey: unknown;

  constructor(
    private readonly fn: KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
    private readonly keySelector: (value: unknown) => unknown,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    broadcastFirst: boolean,
  ) {
    super(descriptors, broadcastFirst);
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.readOnlyContext = {
      ...this.processContext(),
      getBroadcastState: (d) => this.readOnlyState(d),
      getCurrentKey: () => this.currentKey,
    };
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) {
      this.currentKey = this.keySelector(value);
      this.fn.processElement(value, this.readOnlyContext, this.collector);
    } else {
      this.fn.processBroadcastElement(value, this.broadcastContext, this.collector);
    }
  }
}
