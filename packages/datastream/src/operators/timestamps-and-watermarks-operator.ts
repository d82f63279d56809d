import { CoreOptions, type Cancellable } from '@spindle/core';
import {
  InvalidTimestampError,
  Watermark,
  describeValue,
  isValidTimestamp,
  type OperatorContext,
  type WatermarkStatus,
} from '@spindle/runtime/task';
import type { TimestampAssigner, WatermarkGenerator, WatermarkOutput, WatermarkStrategy } from '../eventtime/watermark-strategy.js';
import { AbstractOperator } from './basic-operators.js';

/**
 * `assignTimestampsAndWatermarks` (Flink's TimestampsAndWatermarksOperator): gives each record
 * the timestamp of the strategy's assigner and runs its watermark generator, periodically every
 * `pipeline.auto-watermark-interval` (as a mail of the task). Watermarks from upstream are
 * dropped, except the end of input's `Watermark.MAX`; upstream idleness is dropped too. In BATCH
 * only `Watermark.MAX` is emitted, as in Flink.
 */
export class TimestampsAndWatermarksOperator extends AbstractOperator implements WatermarkOutput {
  private generator!: WatermarkGenerator<unknown>;
  private assigner: TimestampAssigner<unknown> | undefined;
  private periodic: Cancellable | undefined;
  private lastEmitted: number = Watermark.MIN;
  private idle = false;

  constructor(private readonly strategy: WatermarkStrategy<unknown>) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.assigner = this.strategy.timestampAssigner;
    const time = ctx.processingTimeService;
    if (ctx.runtimeMode === 'BATCH') {
      this.generator = { onEvent: () => undefined, onPeriodicEmit: () => undefined };
      return;
    }
    this.generator = this.strategy.createWatermarkGenerator({ currentProcessingTime: () => time.currentProcessingTime() });
    const interval = ctx.config.get(CoreOptions.AUTO_WATERMARK_INTERVAL);
    if (interval > 0) this.periodic = time.scheduleAtFixedRate(() => this.generator.onPeriodicEmit(this), interval, interval);
  }

  processElement(value: unknown, _inputIndex: number, timestamp?: number): void {
    const recordTimestamp = timestamp ?? Watermark.MIN;
    let ts = recordTimestamp;
    if (this.assigner) {
      ts = this.assigner(value, recordTimestamp);
      if (!isValidTimestamp(ts)) {
        throw new InvalidTimestampError(
          `the timestamp assigner of '${this.ctx.operatorName}' returned ${describeValue(ts)}: ` +
            `event timestamps must be integer milliseconds between Number.MIN_SAFE_INTEGER and Number.MAX_SAFE_INTEGER`,
        );
      }
    }
    this.out.collect(value, ts === Watermark.MIN ? undefined : ts);
    this.generator.onEvent(value, ts, this);
  }

  override processWatermark(mark: number): void {
    if (mark === Watermark.MAX) this.emitWatermark(Watermark.MAX);
  }

  override processWatermarkStatus(_status: WatermarkStatus): void {}

  override finish(): void {
    this.periodic?.cancel();
    this.generator.onPeriodicEmit(this);
  }

  override close(): void {
    this.periodic?.cancel();
  }

  emitWatermark(watermark: number): void {
    if (!(watermark > this.lastEmitted)) return;
    if (!isValidTimestamp(watermark) && watermark !== Watermark.MAX) {
      throw new InvalidTimestampError(
        `the watermark generator of '${this.ctx.operatorName}' emitted the watermark ${describeValue(watermark)}`,
      );
    }
    this.markActive();
    this.lastEmitted = watermark;
    this.out.emitWatermark(watermark);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.out.emitWatermarkStatus('IDLE');
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.out.emitWatermarkStatus('ACTIVE');
  }
}
