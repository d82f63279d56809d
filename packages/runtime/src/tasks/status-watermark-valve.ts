import { Watermark, type WatermarkStatus } from '../network/stream-elements.js';

/** Where a valve sends the combined watermark and status of its channels. */
export interface ValveOutput {
  emitWatermark(mark: Watermark): void;
  emitWatermarkStatus(status: WatermarkStatus): void;
}

interface ChannelState {
  watermark: Watermark;
  active: boolean;
  /** Active and not behind the last combined watermark: it takes part in the minimum. */
  aligned: boolean;
}

/**
 * Combines the watermarks and statuses of several channels into one (Flink's
 * StatusWatermarkValve). The combined watermark is the minimum over the active channels and
 * never decreases; an idle channel does not hold it back; when every channel is idle the valve
 * is idle (and first advances to the highest watermark of any channel); the first channel that
 * becomes active again makes the valve active. A channel that comes back behind the combined
 * watermark rejoins the minimum only once it catches up.
 *
 * Used per input of a task (its channels) and by operators with several inputs (one channel per
 * input). Callers run on the task's thread.
 */
export class StatusWatermarkValve {
  private readonly channels: ChannelState[];
  private lastOutput: Watermark = Watermark.MIN;
  private idle = false;

  constructor(numChannels: number) {
    this.channels = Array.from({ length: numChannels }, () => ({ watermark: Watermark.MIN, active: true, aligned: true }));
  }

  /** The last combined watermark emitted (`Watermark.MIN` before the first). */
  get currentWatermark(): Watermark {
    return this.lastOutput;
  }

  get isIdle(): boolean {
    return this.idle;
  }

  inputWatermark(mark: Watermark, channel: number, output: ValveOutput): void {
    const ch = this.channels[channel]!;
    if (!ch.active || mark <= ch.watermark) return;
    ch.watermark = mark;
    if (!ch.aligned && mark >= this.lastOutput) ch.aligned = true;
    this.emitMinOfAligned(output);
  }

  inputWatermarkStatus(status: WatermarkStatus, channel: number, output: ValveOutput): void {
    const ch = this.channels[channel]!;
    if (status === 'IDLE') {
      if (!ch.active) return;
      ch.active = false;
      ch.aligned = false;
      if (this.channels.every((c) => !c.active)) {
        this.emitMaxOfAll(output);
        this.idle = true;
        output.emitWatermarkStatus('IDLE');
      } else {
        this.emitMinOfAligned(output);
      }
      return;
    }
    if (ch.active) return;
    ch.active = true;
    if (ch.watermark >= this.lastOutput) ch.aligned = true;
    if (this.idle) {
      this.idle = false;
      output.emitWatermarkStatus('ACTIVE');
    }
  }

  private emitMinOfAligned(output: ValveOutput): void {
    let min: number = Watermark.MAX;
    let any = false;
    for (const c of this.channels) {
      if (!c.aligned) continue;
      any = true;
      if (c.watermark < min) min = c.watermark;
    }
    if (any && min > this.lastOutput) {
      this.lastOutput = min;
      output.emitWatermark(min);
    }
  }

  private emitMaxOfAll(output: ValveOutput): void {
    let max: number = Watermark.MIN;
    for (const c of this.channels) if (c.watermark > max) max = c.watermark;
    if (max > this.lastOutput) {
      this.lastOutput = max;
      output.emitWatermark(max);
    }
  }
}
