import { AbstractStreamOperator, type Output } from '@spindle/runtime';
import type { FilterFunction, FlatMapFunction, MapFunction } from '../functions.js';

/**
 * Base of the API's operators: runtime's AbstractStreamOperator (no state, watermarks forwarded).
 * Emitted records keep the timestamp of the record being processed, as Flink's do.
 */
export abstract class AbstractOperator extends AbstractStreamOperator {}

/** The output a flatMap function sees: every record it collects keeps the input's timestamp. */
class TimestampedCollector implements Pick<Output, 'collect'> {
  timestamp: number | undefined;

  constructor(private readonly out: Output) {}

  collect(value: unknown): void {
    this.out.collect(value, this.timestamp);
  }
}

export class MapOperator extends AbstractOperator {
  constructor(private readonly fn: MapFunction<unknown, unknown>) {
    super();
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    this.out.collect(this.fn(record, this.ctx), timestamp);
  }
}

export class FlatMapOperator extends AbstractOperator {
  private collector!: TimestampedCollector;

  constructor(private readonly fn: FlatMapFunction<unknown, unknown>) {
    super();
  }

  override open(ctx: Parameters<AbstractOperator['open']>[0]): void {
    super.open(ctx);
    this.collector = new TimestampedCollector(this.out);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    // Records without a timestamp (the common case) go straight to the output.
    if (timestamp === undefined) {
      this.fn(record, this.out, this.ctx);
      return;
    }
    this.collector.timestamp = timestamp;
    this.fn(record, this.collector, this.ctx);
  }
}

export class FilterOperator extends AbstractOperator {
  constructor(private readonly fn: FilterFunction<unknown>) {
    super();
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    if (this.fn(record, this.ctx)) this.out.collect(record, timestamp);
  }
}
