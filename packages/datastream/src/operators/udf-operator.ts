import { SpindleError } from '@spindle/core';
import {
  AbstractStreamOperator,
  type HeapKeyedStateBackend,
  type Triggerable,
  type OperatorContext,
  type OperatorStateSnapshot,
  type StateDescriptor,
  type StateInitializationContext,
  type StateSnapshotContext,
} from '@spindle/runtime/task';
import { isCheckpointListener, isCheckpointedFunction } from '../functions/checkpointed-function.js';
import type { TimerService } from '../functions/process-function.js';
import { AccumulatorRegistry, DoubleCounter, IntCounter, LongCounter, type Accumulator } from '../functions/accumulators.js';
import { AbstractRichFunction, functionInstance, type RuntimeContext } from '../functions/rich-functions.js';

/**
 * An operator that runs a user function (Flink's AbstractUdfStreamOperator): a rich function gets
 * its runtime context and `open`/`close`; a CheckpointedFunction gets `initializeState` (after
 * the operator's state exists) and `snapshotState`. Keyed state through the runtime context works
 * when the operator is keyed (its input comes through keyBy).
 */
export abstract class AbstractUdfStreamOperator<F> extends AbstractStreamOperator {
  private isRestored = false;
  private accumulators: AccumulatorRegistry | undefined;

  protected readonly userFunction: F;

  constructor(userFunction: F) {
    super();
    this.userFunction = functionInstance(userFunction);
  }

  override async initializeState(context: StateInitializationContext): Promise<void> {
    await super.initializeState(context);
    this.isRestored = context.isRestored;
    const fn = this.userFunction;
    if (isCheckpointedFunction(fn)) {
      const store = this.operatorStateStore;
      await fn.initializeState({ isRestored: () => this.isRestored, getOperatorStateStore: () => store });
    }
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const fn = this.userFunction;
    if (fn instanceof AbstractRichFunction) {
      this.accumulators = new AccumulatorRegistry(ctx.operatorName);
      fn.setRuntimeContext(new StreamingRuntimeContext(ctx, this.keyedStateBackend, this.accumulators));
      fn.open({});
    }
  }

  override async finish(): Promise<void> {
    // After the input ended no key is being processed: keyed state used now fails clearly.
    this.keyedStateBackend?.clearCurrentKey();
    await super.finish();
  }

  override async close(): Promise<void> {
    try {
      if (this.userFunction instanceof AbstractRichFunction) await this.userFunction.close();
      // After the user's close, which may still count; the task reports them when it finishes.
      this.accumulators?.publish((name, value) => this.ctx.addAccumulator(name, value));
    } finally {
      await super.close();
    }
  }

  /** Synchronous unless the user function's `snapshotState` returns a promise. */
  override snapshotState(context: StateSnapshotContext): OperatorStateSnapshot | void | Promise<OperatorStateSnapshot | void> {
    const fn = this.userFunction;
    if (isCheckpointedFunction(fn)) {
      const pending = fn.snapshotState({
        getCheckpointId: () => context.checkpointId,
        getCheckpointTimestamp: () => context.checkpointTimestamp,
      });
      if (pending instanceof Promise) return pending.then(() => super.snapshotState(context));
    }
    return super.snapshotState(context);
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    const fn = this.userFunction;
    if (isCheckpointListener(fn)) return fn.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void | Promise<void> {
    const fn = this.userFunction;
    if (isCheckpointListener(fn)) return fn.notifyCheckpointAborted?.(checkpointId);
  }

  /** A user function's timer service on a keyed operator: timers of the current key, firing `triggerable`. */
  protected keyedTimerService(triggerable: Triggerable): TimerService {
    const timers = this.getInternalTimerService('user-timers', triggerable);
    return {
      currentProcessingTime: () => timers.currentProcessingTime(),
      currentWatermark: () => timers.currentWatermark(),
      registerEventTimeTimer: (t) => timers.registerEventTimeTimer(t),
      registerProcessingTimeTimer: (t) => timers.registerProcessingTimeTimer(t),
      deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(t),
      deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(t),
    };
  }

  /** A user function's timer service on a non-keyed operator: time only; timers fail with Flink's message. */
  protected timeOnlyTimerService(watermark: () => number): TimerService {
    const notKeyed = (): never => {
      throw new SpindleError(`${this.ctx.operatorName}: Setting timers is only supported on a keyed streams.`, {
        code: 'TIMERS_NOT_KEYED',
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    };
    return {
      currentProcessingTime: () => this.ctx.processingTimeService.currentProcessingTime(),
      currentWatermark: watermark,
      registerEventTimeTimer: notKeyed,
      registerProcessingTimeTimer: notKeyed,
      deleteEventTimeTimer: notKeyed,
      deleteProcessingTimeTimer: notKeyed,
    };
  }
}

/** The runtime context of one operator instance (Flink's StreamingRuntimeContext). */
export class StreamingRuntimeContext implements RuntimeContext {
  constructor(
    private readonly ctx: OperatorContext,
    private readonly backend: HeapKeyedStateBackend | undefined,
    private readonly accumulators: AccumulatorRegistry,
  ) {}

  addAccumulator<V, T>(name: string, accumulator: Accumulator<V, T>): void {
    this.accumulators.add(name, accumulator);
  }

  getAccumulator<V, T>(name: string): Accumulator<V, T> | undefined {
    return this.accumulators.get(name);
  }

  getIntCounter(name: string): IntCounter {
    return this.accumulators.getOrCreate(name, IntCounter);
  }

  getLongCounter(name: string): LongCounter {
    return this.accumulators.getOrCreate(name, LongCounter);
  }

  getDoubleCounter(name: string): DoubleCounter {
    return this.accumulators.getOrCreate(name, DoubleCounter);
  }

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  getState: RuntimeContext['getState'] = (d) => this.keyedState(d);
  getListState: RuntimeContext['getListState'] = (d) => this.keyedState(d);
  getMapState: RuntimeContext['getMapState'] = (d) => this.keyedState(d);
  getReducingState: RuntimeContext['getReducingState'] = (d) => this.keyedState(d);
  getAggregatingState: RuntimeContext['getAggregatingState'] = (d) => this.keyedState(d);

  getIndexOfThisSubtask(): number {
    return this.ctx.subtaskIndex;
  }

  getNumberOfParallelSubtasks(): number {
    return this.ctx.parallelism;
  }

  getMaxNumberOfParallelSubtasks(): number {
    return this.ctx.maxParallelism;
  }

  getAttemptNumber(): number {
    return this.ctx.attemptNumber;
  }

  getTaskName(): string {
    return this.ctx.taskName;
  }

  private keyedState<S>(descriptor: StateDescriptor<S, unknown>): S {
    const name = this.ctx.operatorName;
    if (this.backend === undefined) {
      throw new SpindleError(`${name}: Keyed state can only be used on a 'keyed stream', i.e., after a 'keyBy()' operation.`, {
        code: 'KEYED_STATE_NOT_KEYED',
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    }
    try {
      return this.backend.getPartitionedState(descriptor);
    } catch (e) {
      if (!(e instanceof SpindleError)) throw e;
      throw new SpindleError(`${name}: ${e.message}`, {
        code: e.code,
        recoverability: e.recoverability,
        userFacing: e.userFacing,
        cause: e,
      });
    }
  }
}
