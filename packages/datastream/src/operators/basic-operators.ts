import { AbstractStreamOperator, type OperatorContext, type Output } from '@spindle/runtime/task';
import type { Collector, FilterFunction, FlatMapFunction, MapFunction, SinkFunction } from '../functions/basic-functions.js';
import { RichFilterFunction, RichFlatMapFunction, RichMapFunction, RichSinkFunction } from '../functions/rich-functions.js';
import { AbstractUdfStreamOperator } from './udf-operator.js';

/**
 * Base of the API's operators: runtime's AbstractStreamOperator (state, watermarks forwarded).
 * Emitted records keep the timestamp of the record being processed, as Flink's do.
 */
export abstract class AbstractOperator extends AbstractStreamOperator {}

/** The output a user function sees: every record it collects keeps the timestamp set here. */
export class TimestampedCollector implements Collector<unknown> {
  timestamp: number | undefined;

  constructor(private readonly out: Output) {}

  collect(value: unknown): void {
    this.out.collect(value, this.timestamp);
  }
}

export class MapOperator extends AbstractUdfStreamOperator<MapFunction<unknown, unknown> | RichMapFunction<unknown, unknown>> {
  private call!: (value: unknown) => unknown;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const fn = this.userFunction;
    this.call = fn instanceof RichMapFunction ? (v) => fn.map(v) : (v) => fn(v, ctx);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    this.out.collect(this.call(record), timestamp);
  }
}

export class FlatMapOperator extends AbstractUdfStreamOperator<FlatMapFunction<unknown, unknown> | RichFlatMapFunction<unknown, unknown>> {
  private collector!: TimestampedCollector;
  private call!: (value: unknown, out: Collector<unknown>) => void;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.collector = new TimestampedCollector(this.out);
    const fn = this.userFunction;
    this.call = fn instanceof RichFlatMapFunction ? (v, out) => fn.flatMap(v, out) : (v, out) => fn(v, out, ctx);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    // Records without a timestamp (the common case) go straight to the output.
    if (timestamp === undefined) {
      this.call(record, this.out);
      return;
    }
    this.collector.timestamp = timestamp;
    this.call(record, this.collector);
  }
}

export class FilterOperator extends AbstractUdfStreamOperator<FilterFunction<unknown> | RichFilterFunction<unknown>> {
  private call!: (value: unknown) => boolean;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const fn = this.userFunction;
    this.call = fn instanceof RichFilterFunction ? (v) => fn.filter(v) : (v) => fn(v, ctx);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    if (this.call(record)) this.out.collect(record, timestamp);
  }
}

/** Hands every record to a sink function (Flink's StreamSink). */
export class SinkOperator extends AbstractUdfStreamOperator<SinkFunction<unknown> | RichSinkFunction<unknown>> {
  private call!: (value: unknown) => void;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const fn = this.userFunction;
    this.call = fn instanceof RichSinkFunction ? (v) => fn.invoke(v) : (v) => fn(v, ctx);
  }

  processElement(record: unknown): void {
    this.call(record);
  }

  override async finish(): Promise<void> {
    await super.finish();
    const fn = this.userFunction;
    if (fn instanceof RichSinkFunction) await fn.finish();
  }
}
