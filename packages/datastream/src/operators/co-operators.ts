import type { InternalTimer, OperatorContext, Triggerable } from '@spindle/runtime/task';
import type {
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessFunctionLike,
  CoTimerService,
  KeyedCoOnTimerContext,
  KeyedCoProcessFunctionLike,
} from '../co-functions.js';
import type { OutputTag, TimeDomain } from '../functions/process-function.js';
import { TimestampedCollector } from './basic-operators.js';
import { AbstractUdfStreamOperator } from './udf-operator.js';

/** Input 0 of a two-input operator is the first stream of `connect`, input 1 the second. */
export type TwoInputIndex = 0 | 1;

/**
 * The context handed to the functions of two-input operators; one object per operator, updated
 * before each call (as Flink's). It serves every context interface of co-functions: keyed ones add
 * the current key (from the operator's keyed state backend) and, in `onTimer`, the time domain;
 * broadcast operators add their broadcast state methods to copies of it.
 */
export class CoContext implements KeyedCoOnTimerContext<unknown> {
  domain: TimeDomain = 'EVENT_TIME';

  constructor(
    private readonly operator: AbstractTwoInputOperator<unknown>,
    private readonly timers: CoTimerService,
  ) {}

  get subtaskIndex(): number {
    return this.operator.operatorContext.subtaskIndex;
  }

  get parallelism(): number {
    return this.operator.operatorContext.parallelism;
  }

  get signal(): AbortSignal {
    return this.operator.operatorContext.signal;
  }

  timestamp(): number | undefined {
    return this.operator.collector.timestamp;
  }

  timerService(): CoTimerService {
    return this.timers;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    this.operator.operatorContext.sideOutputs?.get(outputTag.id)?.collect(value, this.operator.collector.timestamp);
  }

  getCurrentKey(): unknown {
    return this.operator.currentKey();
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }
}

/**
 * Base of the operators of connected streams (Flink's AbstractUdfStreamOperator of two-input
 * operators): the user function is a rich function when it extends one of the co-function classes
 * (runtime context, keyed state on keyed streams, open/close, CheckpointedFunction); watermarks are
 * the minimum of both inputs (AbstractStreamOperator's valve over the task's two logical inputs);
 * what the function emits keeps the timestamp of the element being processed. Keyed state and
 * timers come from AbstractStreamOperator: the task makes each element's key current (by its
 * input's key selector) before `processElement`.
 */
export abstract class AbstractTwoInputOperator<F> extends AbstractUdfStreamOperator<F> {
  /** @internal What emitted records carry: the timestamp of the element being processed, or the firing timer's. */
  collector!: TimestampedCollector;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.collector = new TimestampedCollector(this.out);
  }

  processElement(value: unknown, inputIndex: number, timestamp?: number): void {
    this.collector.timestamp = timestamp;
    this.processInput(value, inputIndex === 0 ? 0 : 1);
  }

  protected abstract processInput(value: unknown, input: TwoInputIndex): void;

  /** @internal */
  get operatorContext(): OperatorContext {
    return this.ctx;
  }

  /** @internal The key of the keyed state backend (undefined when not keyed or none is current). */
  currentKey(): unknown {
    return this.keyedStateBackend?.getCurrentKey();
  }

  /**
   * The timer service of the function's context: per-key timers on a keyed operator (firing
   * `onEventTime`/`onProcessingTime` of `triggerable`), otherwise only time, registering failing
   * with Flink's message naming the operator.
   */
  protected coTimerService(triggerable: Triggerable | undefined): CoTimerService {
    if (this.keyedStateBackend === undefined || triggerable === undefined) return this.unkeyedTimerService();
    return this.keyedTimerService(triggerable);
  }

  protected unkeyedTimerService(): CoTimerService {
    return this.timeOnlyTimerService(() => this.currentWatermark);
  }
}

export class CoMapOperator extends AbstractTwoInputOperator<CoMapFunction<unknown, unknown, unknown>> {
  protected processInput(value: unknown, input: TwoInputIndex): void {
    const fn = this.userFunction;
    const result = input === 0 ? fn.map1(value, this.ctx) : fn.map2(value, this.ctx);
    this.out.collect(result, this.collector.timestamp);
  }
}

export class CoFlatMapOperator extends AbstractTwoInputOperator<CoFlatMapFunction<unknown, unknown, unknown>> {
  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.userFunction.flatMap1(value, this.collector, this.ctx);
    else this.userFunction.flatMap2(value, this.collector, this.ctx);
  }
}

/** `connect(...).process(fn)`: no timers (they need keys), side outputs, the function's runtime context. */
export class CoProcessOperator extends AbstractTwoInputOperator<CoProcessFunctionLike<unknown, unknown, unknown>> {
  private context!: CoContext;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = new CoContext(this, this.unkeyedTimerService());
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.userFunction.processElement1(value, this.context, this.collector);
    else this.userFunction.processElement2(value, this.context, this.collector);
  }
}

/**
 * The operator of `connect(...).keyBy(key1, key2).process(fn)` (Flink's KeyedCoProcessOperator):
 * both inputs arrive hash-partitioned by their own key selector, so equal keys of either input
 * reach this subtask; the task makes each element's key current (by its input's selector) before
 * the function runs, so keyed state and timers are those of that key. `onTimer` runs with the
 * timer's key current.
 */
export class KeyedCoProcessOperator
  extends AbstractTwoInputOperator<KeyedCoProcessFunctionLike<unknown, unknown, unknown, unknown>>
  implements Triggerable
{
  private context!: CoContext;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = new CoContext(this, this.coTimerService(this));
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.userFunction.processElement1(value, this.context, this.collector);
    else this.userFunction.processElement2(value, this.context, this.collector);
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
    this.userFunction.onTimer?.(time, this.context, this.collector);
  }
}
