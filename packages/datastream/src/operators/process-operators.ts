import type { InternalTimer, OperatorContext, Triggerable } from '@spindle/runtime/task';
import type {
  KeyedOnTimerContext,
  KeyedProcessFunction,
  OutputTag,
  ProcessFunction,
  TimeDomain,
  TimerService,
} from '../functions/process-function.js';
import { TimestampedCollector } from './basic-operators.js';
import { AbstractUdfStreamOperator } from './udf-operator.js';

/**
 * The context handed to process functions; one object per operator, updated before each call
 * (as Flink's). It serves every context interface: keyed ones add the current key and, in
 * `onTimer`, the time domain.
 */
class ProcessContext implements KeyedOnTimerContext<unknown> {
  currentTimestamp: number | undefined;
  domain: TimeDomain = 'EVENT_TIME';

  constructor(
    private readonly operator: ProcessOperatorBase,
    private readonly timers: TimerService,
  ) {}

  timestamp(): number | undefined {
    return this.currentTimestamp;
  }

  timerService(): TimerService {
    return this.timers;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    this.operator.sideOutput(outputTag.id, value, this.currentTimestamp);
  }

  getCurrentKey(): unknown {
    return this.operator.currentKey();
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }
}

type AnyProcessFunction = ProcessFunction<unknown, unknown> | KeyedProcessFunction<unknown, unknown, unknown>;

/** What ProcessOperator and KeyedProcessOperator share: the context, the collector, side outputs. */
abstract class ProcessOperatorBase extends AbstractUdfStreamOperator<AnyProcessFunction> {
  protected context!: ProcessContext;
  protected collector!: TimestampedCollector;

  protected abstract timerService(): TimerService;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.collector = new TimestampedCollector(this.out);
    this.context = new ProcessContext(this, this.timerService());
  }

  processElement(value: unknown, _inputIndex: number, timestamp?: number): void {
    this.context.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    this.userFunction.processElement(value, this.context, this.collector);
  }

  /** @internal */
  sideOutput(tag: string, value: unknown, timestamp: number | undefined): void {
    this.ctx.sideOutputs?.get(tag)?.collect(value, timestamp);
  }

  /** @internal */
  currentKey(): unknown {
    return this.keyedStateBackend?.getCurrentKey();
  }

  protected get watermarkNow(): number {
    return this.currentWatermark;
  }
}

/** `DataStream.process(ProcessFunction)`: no timers (they need keys), side outputs, operator state. */
export class ProcessOperator extends ProcessOperatorBase {
  protected timerService(): TimerService {
    return this.timeOnlyTimerService(() => this.watermarkNow);
  }
}

/**
 * `KeyedStream.process(KeyedProcessFunction)` (Flink's KeyedProcessOperator): keyed state and
 * timers of the current key; `onTimer` runs with the timer's key current.
 */
export class KeyedProcessOperator extends ProcessOperatorBase implements Triggerable {
  protected timerService(): TimerService {
    return this.keyedTimerService(this);
  }

  onEventTime(timer: InternalTimer): void {
    this.fire(timer.timestamp, 'EVENT_TIME', timer.timestamp);
  }

  onProcessingTime(timer: InternalTimer): void {
    this.fire(timer.timestamp, 'PROCESSING_TIME', undefined);
  }

  private fire(time: number, domain: TimeDomain, outputTimestamp: number | undefined): void {
    const ctx = this.context;
    ctx.domain = domain;
    ctx.currentTimestamp = outputTimestamp;
    this.collector.timestamp = outputTimestamp;
    (this.userFunction as KeyedProcessFunction<unknown, unknown, unknown>).onTimer(time, ctx, this.collector);
  }
}
