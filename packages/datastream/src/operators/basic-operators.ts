import type { OperatorContext, Output, StreamOperator } from '@spindle/runtime';
import type { FilterFunction, FlatMapFunction, MapFunction } from '../functions.js';

/** Base for operators that keep only their context and output. */
export abstract class AbstractOperator implements StreamOperator {
  protected ctx!: OperatorContext;
  protected out!: Output;

  /** Synchronous, so that subclasses call it first from their own open. */
  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.out = ctx.output;
  }

  abstract processElement(record: unknown, inputIndex: number): void;

  endInput(): void | Promise<void> {}

  close(): void | Promise<void> {}
}

export class MapOperator extends AbstractOperator {
  constructor(private readonly fn: MapFunction<unknown, unknown>) {
    super();
  }

  processElement(record: unknown): void {
    this.out.collect(this.fn(record, this.ctx));
  }
}

export class FlatMapOperator extends AbstractOperator {
  constructor(private readonly fn: FlatMapFunction<unknown, unknown>) {
    super();
  }

  processElement(record: unknown): void {
    this.fn(record, this.out, this.ctx);
  }
}

export class FilterOperator extends AbstractOperator {
  constructor(private readonly fn: FilterFunction<unknown>) {
    super();
  }

  processElement(record: unknown): void {
    if (this.fn(record, this.ctx)) this.out.collect(record);
  }
}
