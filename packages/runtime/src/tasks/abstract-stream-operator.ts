import type { Watermark, WatermarkStatus } from '../network/stream-elements.js';
import type { OperatorContext, Output, StateInitializationContext, StateSnapshotContext, StreamOperator } from './operator.js';
import { StatusWatermarkValve, type ValveOutput } from './status-watermark-valve.js';

/**
 * Defaults for operators (Flink's AbstractStreamOperator): no state, and watermarks forwarded.
 * A one-input operator forwards each watermark and status as it comes; an operator with several
 * inputs forwards the minimum watermark of its active inputs, and is idle when all are.
 * Subclasses that act on event time override `onWatermark` (the combined watermark).
 */
export abstract class AbstractStreamOperator implements StreamOperator {
  protected ctx!: OperatorContext;
  protected out!: Output;
  private inputs: StatusWatermarkValve | undefined;
  private readonly combined: ValveOutput = {
    emitWatermark: (mark) => this.onWatermark(mark),
    emitWatermarkStatus: (status) => this.onWatermarkStatus(status),
  };
  private watermark: Watermark = Number.NEGATIVE_INFINITY;

  initializeState(_context: StateInitializationContext): void | Promise<void> {}

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.out = ctx.output;
    if (ctx.numberOfInputs > 1) this.inputs = new StatusWatermarkValve(ctx.numberOfInputs);
  }

  abstract processElement(value: unknown, inputIndex: number, timestamp?: number): void;

  processWatermark(mark: Watermark, inputIndex: number): void {
    if (this.inputs) this.inputs.inputWatermark(mark, inputIndex, this.combined);
    else this.onWatermark(mark);
  }

  processWatermarkStatus(status: WatermarkStatus, inputIndex: number): void {
    if (this.inputs) this.inputs.inputWatermarkStatus(status, inputIndex, this.combined);
    else this.onWatermarkStatus(status);
  }

  /** The event time the operator has reached: the last combined watermark. */
  protected get currentWatermark(): Watermark {
    return this.watermark;
  }

  /** The combined watermark advanced; the default forwards it. */
  protected onWatermark(mark: Watermark): void {
    this.watermark = mark;
    this.out.emitWatermark(mark);
  }

  protected onWatermarkStatus(status: WatermarkStatus): void {
    this.out.emitWatermarkStatus(status);
  }

  finish(): void | Promise<void> {}

  close(): void | Promise<void> {}

  snapshotState(_context: StateSnapshotContext): void | Promise<void> {}
}
