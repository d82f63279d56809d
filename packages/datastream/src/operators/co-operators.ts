import type { OperatorContext, Output } from '@spindle/runtime';
import type {
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessContext,
  CoProcessFunction,
  KeyedCoProcessContext,
  KeyedCoProcessFunction,
} from '../co-functions.js';
import type { Collector } from '../functions/basic-functions.js';
import { AbstractOperator } from './basic-operators.js';

/** Input 0 of a two-input operator is the first stream of `connect`, input 1 the second. */
export type TwoInputIndex = 0 | 1;

/**
 * Base of the operators of connected streams: watermarks are the minimum of both inputs
 * (AbstractStreamOperator's valve over the task's two logical inputs), and what the function
 * emits keeps the timestamp of the element being processed.
 */
export abstract class AbstractTwoInputOperator extends AbstractOperator {
  /** The timestamp of the element being processed. */
  protected timestamp: number | undefined;
  protected collector!: Collector<unknown>;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const out: Output = this.out;
    this.collector = { collect: (value) => out.collect(value, this.timestamp) };
  }

  processElement(value: unknown, inputIndex: number, timestamp?: number): void {
    this.timestamp = timestamp;
    this.processInput(value, inputIndex === 0 ? 0 : 1);
  }

  protected abstract processInput(value: unknown, input: TwoInputIndex): void;

  /** The context of processElement1/2: the element's timestamp and the operator's time. */
  protected processContext(): CoProcessContext {
    const ctx = this.ctx;
    const timerService = {
      currentProcessingTime: () => ctx.processingTimeService.currentProcessingTime(),
      currentWatermark: () => this.currentWatermark,
    };
    return {
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      signal: ctx.signal,
      timestamp: () => this.timestamp,
      timerService: () => timerService,
    };
  }
}

export class CoMapOperator extends AbstractTwoInputOperator {
  constructor(private readonly fn: CoMapFunction<unknown, unknown, unknown>) {
    super();
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    const result = input === 0 ? this.fn.map1(value, this.ctx) : this.fn.map2(value, this.ctx);
    this.out.collect(result, this.timestamp);
  }
}

export class CoFlatMapOperator extends AbstractTwoInputOperator {
  constructor(private readonly fn: CoFlatMapFunction<unknown, unknown, unknown>) {
    super();
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.fn.flatMap1(value, this.collector, this.ctx);
    else this.fn.flatMap2(value, this.collector, this.ctx);
  }
}

export class CoProcessOperator extends AbstractTwoInputOperator {
  private context!: CoProcessContext;

  constructor(private readonly fn: CoProcessFunction<unknown, unknown, unknown>) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = this.processContext();
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    if (input === 0) this.fn.processElement1(value, this.context, this.collector);
    else this.fn.processElement2(value, this.context, this.collector);
  }
}

/**
 * The operator of `connect(...).keyBy(key1, key2).process(fn)`: both inputs arrive hash-partitioned
 * by their own key selector, so equal keys of either input reach this subtask; before the function
 * runs for an element, the current key is that element's key by its input's selector.
 */
export class KeyedCoProcessOperator extends AbstractTwoInputOperator {
  private context!: KeyedCoProcessContext<unknown>;
  private currentKey: unknown;

  constructor(
    private readonly fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown>,
    private readonly keySelectors: readonly [(value: unknown) => unknown, (value: unknown) => unknown],
  ) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.context = { ...this.processContext(), getCurrentKey: () => this.currentKey };
  }

  protected processInput(value: unknown, input: TwoInputIndex): void {
    this.currentKey = this.keySelectors[input](value);
    if (input === 0) this.fn.processElement1(value, this.context, this.collector);
    else this.fn.processElement2(value, this.context, this.collector);
  }
}
