import { SpindleError } from '@spindle/core';
import type {
  BoundedMultiInput,
  BroadcastState,
  InputSelectable,
  InternalTimer,
  MapStateDescriptor,
  OperatorContext,
  ReadOnlyBroadcastState,
  StateDescriptor,
  Triggerable,
} from '@spindle/runtime/task';
import type {
  BroadcastContext,
  BroadcastProcessFunctionLike,
  BroadcastReadOnlyContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunctionLike,
} from '../co-functions.js';
import type { TimeDomain } from '../functions/process-function.js';
import { AbstractTwoInputOperator, CoContext, type TwoInputIndex } from './co-operators.js';

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

/** A context object that answers like `base` (a CoContext) and has `extra`'s methods too. */
function extend<T>(base: CoContext, extra: object): T {
  return Object.assign(Object.create(base) as object, extra) as T;
}

/**
 * Shared by the broadcast operators (Flink's CoBroadcastWithNonKeyedOperator and
 * CoBroadcastWithKeyedOperator): input 0 is the non-broadcast stream, input 1 the broadcast one,
 * which reaches every subtask. The broadcast states named by `broadcast(...descriptors)` live in
 * the operator's OperatorStateStore (AbstractStreamOperator's, so they are part of
 * `snapshotState` and restored by `initializeState`), read-write for processBroadcastElement and
 * read-only for processElement.
 *
 * With `broadcastFirst` (BATCH, when the inputs share no upstream task) the operator reads the
 * broadcast input whole before the other, as Flink does in BATCH, so every record of the other
 * input sees the final broadcast state.
 */
abstract class AbstractBroadcastOperator<F> extends AbstractTwoInputOperator<F> implements InputSelectable, BoundedMultiInput {
  private readBroadcastFirst = false;
  private readonly states = new Map<string, { state: BroadcastState<unknown, unknown>; view: ReadOnlyBroadcastState<unknown, unknown> }>();
  protected context!: CoContext;

  constructor(
    userFunction: F,
    private readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    private readonly broadcastFirst: boolean,
  ) {
    super(userFunction);
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.readBroadcastFirst = this.broadcastFirst && ctx.runtimeMode === 'BATCH';
    const store = this.operatorStateStore;
    for (const d of this.descriptors) {
      const state = store.getBroadcastState(d);
      this.states.set(d.name, { state, view: readOnly(state) });
    }
  }

  nextSelection(): number | 'ALL' {
    return this.readBroadcastFirst ? 1 : 'ALL';
  }

  endInput(inputIndex: number): void {
    if (inputIndex === 1) this.readBroadcastFirst = false;
  }

  protected writableState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.registered(descriptor).state as BroadcastState<K, V>;
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

export class BroadcastProcessOperator extends AbstractBroadcastOperator<BroadcastProcessFunctionLike<unknown, unknown, unknown>> {
  private readOnlyContext!: BroadcastReadOnlyContext;
  private broadcastContext!: BroadcastContext;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = new CoContext(this, this.unkeyedTimerService());
    this.readOnlyContext = extend(this.context, { getBroadcastState: (d: MapStateDescriptor<unknown, unknown>) => this.readOnlyState(d) });
    this.broadcastContext = extend(this.context, { getBroadcastState: (d: MapStateDescriptor<unknown, unknown>) => this.writableState(d) });
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.userFunction.processElement(value, this.readOnlyContext, this.collector);
    else this.userFunction.processBroadcastElement(value, this.broadcastContext, this.collector);
  }
}

/**
 * The keyed variant (Flink's CoBroadcastWithKeyedOperator): input 0 arrives hash-partitioned and
 * the task makes each of its elements' key current, so processElement has keyed state and timers;
 * processBroadcastElement runs with no key current and reaches keyed state through
 * `applyToKeyedState` (the backend's applyToAllKeys). `onTimer` runs with the timer's key current.
 */
export class KeyedBroadcastProcessOperator
  extends AbstractBroadcastOperator<KeyedBroadcastProcessFunctionLike<unknown, unknown, unknown, unknown>>
  implements Triggerable
{
  private readOnlyContext!: KeyedBroadcastOnTimerContext<unknown>;
  private broadcastContext!: KeyedBroadcastContext;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = new CoContext(this, this.coTimerService(this));
    this.readOnlyContext = extend(this.context, { getBroadcastState: (d: MapStateDescriptor<unknown, unknown>) => this.readOnlyState(d) });
    // No key is current for a broadcast element: its timer service may not register timers.
    const timers = this.unkeyedTimerService();
    const noKey = (): never => {
      throw new SpindleError(`${ctx.operatorName}: timers can only be registered in processElement and onTimer, where a key is current`, {
        code: 'NO_KEY_CONTEXT',
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    };
    this.broadcastContext = extend(this.context, {
      getBroadcastState: (d: MapStateDescriptor<unknown, unknown>) => this.writableState(d),
      timerService: () => ({
        ...timers,
        registerEventTimeTimer: noKey,
        registerProcessingTimeTimer: noKey,
        deleteEventTimeTimer: noKey,
        deleteProcessingTimeTimer: noKey,
      }),
      applyToKeyedState: <S>(d: StateDescriptor<S, unknown>, fn: (key: unknown, state: S) => void) => this.applyToKeyedState(d, fn),
    });
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) {
      this.userFunction.processElement(value, this.readOnlyContext, this.collector);
    } else {
      // The key of the last element of input 0 is still current: keyed state is not for broadcast elements.
      this.keyedStateBackend?.clearCurrentKey();
      this.userFunction.processBroadcastElement(value, this.broadcastContext, this.collector);
    }
  }

  onEventTime(timer: InternalTimer): void {
    this.fire(timer.timestamp, 'EVENT_TIME', timer.timestamp);
  }

  onProcessingTime(timer: InternalTimer): void {
    this.fire(timer.timestamp, 'PROCESSING_TIME', undefined);
  }

  private fire(time: number, domain: TimeDomain, outputTimestamp: number | undefined): void {
    this.context.domain = domain;
    this.collector.timestamp = outputTimestamp;
    this.userFunction.onTimer?.(time, this.readOnlyContext, this.collector);
  }

  private applyToKeyedState<S>(descriptor: StateDescriptor<S, unknown>, fn: (key: unknown, state: S) => void): void {
    const backend = this.keyedStateBackend;
    if (backend === undefined) {
      throw new SpindleError(
        `${this.ctx.operatorName}: Keyed state can only be used on a 'keyed stream', i.e., after a 'keyBy()' operation.`,
        {
          code: 'KEYED_STATE_NOT_KEYED',
          recoverability: 'non-recoverable',
          userFacing: true,
        },
      );
    }
    backend.applyToAllKeys(descriptor, fn);
  }
}
