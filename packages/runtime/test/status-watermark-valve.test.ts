import { expect } from 'chai';
import { Watermark, type WatermarkStatus } from '../src/network/stream-elements.js';
import { StatusWatermarkValve, type ValveOutput } from '../src/tasks/status-watermark-valve.js';

class RecordingOutput implements ValveOutput {
  readonly seen: Array<number | WatermarkStatus> = [];
  emitWatermark(mark: number): void {
    this.seen.push(mark);
  }
  emitWatermarkStatus(status: WatermarkStatus): void {
    this.seen.push(status);
  }
  take(): Array<number | WatermarkStatus> {
    return this.seen.splice(0);
  }
}

describe('StatusWatermarkValve', () => {
  it('emits the minimum of the channels, only when it advances', () => {
    const valve = new StatusWatermarkValve(3);
    const out = new RecordingOutput();
    valve.inputWatermark(10, 0, out);
    valve.inputWatermark(20, 1, out);
    expect(out.take()).to.deep.equal([]);
    valve.inputWatermark(5, 2, out);
    expect(out.take()).to.deep.equal([5]);
    valve.inputWatermark(3, 2, out); // a channel's watermark never goes back
    valve.inputWatermark(15, 2, out);
    expect(out.take()).to.deep.equal([10]);
    valve.inputWatermark(30, 0, out);
    expect(out.take()).to.deep.equal([15]);
    expect(valve.currentWatermark).to.equal(15);
  });

  it('does not let an idle channel hold the watermark back', () => {
    const valve = new StatusWatermarkValve(3);
    const out = new RecordingOutput();
    valve.inputWatermark(100, 0, out);
    valve.inputWatermark(200, 1, out);
    valve.inputWatermarkStatus('IDLE', 2, out);
    expect(out.take()).to.deep.equal([100]);
    valve.inputWatermark(150, 0, out);
    expect(out.take()).to.deep.equal([150]);
    expect(valve.isIdle).to.equal(false);
  });

  it('is idle when every channel is, after advancing to the highest channel watermark, and active again with the first active channel', () => {
    const valve = new StatusWatermarkValve(2);
    const out = new RecordingOutput();
    valve.inputWatermark(7, 0, out);
    valve.inputWatermark(9, 1, out);
    expect(out.take()).to.deep.equal([7]);
    valve.inputWatermarkStatus('IDLE', 0, out);
    expect(out.take()).to.deep.equal([9]);
    valve.inputWatermarkStatus('IDLE', 1, out);
    expect(out.take()).to.deep.equal(['IDLE']);
    expect(valve.isIdle).to.equal(true);
    valve.inputWatermark(50, 0, out); // watermarks of an idle channel are ignored
    expect(out.take()).to.deep.equal([]);
    valve.inputWatermarkStatus('ACTIVE', 0, out);
    expect(out.take()).to.deep.equal(['ACTIVE']);
    valve.inputWatermark(12, 0, out);
    expect(out.take()).to.deep.equal([12]);
  });

  it('lets a channel that comes back behind the combined watermark rejoin the minimum only once it catches up', () => {
    const valve = new StatusWatermarkValve(2);
    const out = new RecordingOutput();
    valve.inputWatermarkStatus('IDLE', 1, out);
    valve.inputWatermark(100, 0, out);
    expect(out.take()).to.deep.equal([100]);
    valve.inputWatermarkStatus('ACTIVE', 1, out);
    valve.inputWatermark(40, 1, out); // behind: must not pull the output back, nor hold it
    valve.inputWatermark(120, 0, out);
    expect(out.take()).to.deep.equal([120]);
    valve.inputWatermark(110, 1, out);
    valve.inputWatermark(130, 0, out);
    expect(out.take()).to.deep.equal([130]);
    valve.inputWatermark(135, 1, out); // caught up: from now on it takes part in the minimum
    expect(out.take()).to.deep.equal([]);
    valve.inputWatermark(150, 0, out);
    expect(out.take()).to.deep.equal([135]);
  });

  it('ends with Watermark.MAX once every channel reached it', () => {
    const valve = new StatusWatermarkValve(2);
    const out = new RecordingOutput();
    valve.inputWatermark(Watermark.MAX, 0, out);
    expect(out.take()).to.deep.equal([]);
    valve.inputWatermark(Watermark.MAX, 1, out);
    expect(out.take()).to.deep.equal([Watermark.MAX]);
  });
});
