import os from 'node:os';
import { expect } from 'chai';
import { Configuration, ManualScheduler, getLogger } from '@spindle/core';
import { Watermark, type WatermarkStatus } from '../src/network/stream-elements.js';
import { AbstractStreamOperator } from '../src/tasks/abstract-stream-operator.js';
import { MailboxProcessor } from '../src/tasks/mailbox-processor.js';
import type { OperatorContext, Output, StateSnapshotContext } from '../src/tasks/operator.js';
import { MailboxProcessingTimeService } from '../src/tasks/processing-time-service.js';

class RecordingOutput implements Output {
  readonly seen: unknown[] = [];
  collect(value: unknown, timestamp?: number): void {
    this.seen.push(timestamp === undefined ? value : [value, timestamp]);
  }
  emitWatermark(mark: number): void {
    this.seen.push({ watermark: mark });
  }
  emitWatermarkStatus(status: WatermarkStatus): void {
    this.seen.push({ status });
  }
}

function context(output: Output, numberOfInputs: number): OperatorContext {
  return {
    operatorId: 'op',
    operatorName: 'Counter',
    taskName: 'Counter (1/1)',
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    attemptNumber: 0,
    runtimeMode: 'STREAMING',
    config: new Configuration(),
    output,
    log: getLogger('test'),
    numberOfInputs,
    processingTimeService: new MailboxProcessingTimeService(new ManualScheduler(), new MailboxProcessor()),
    mailboxExecutor: { execute: (_description, action) => void action() },
    addAccumulator: () => undefined,
    signal: new AbortController().signal,
    managedMemory: 0,
    tmpDirs: [os.tmpdir()],
  };
}

/** Counts records per input and keeps what each snapshot saw. */
class Counter extends AbstractStreamOperator {
  readonly counts = [0, 0];
  readonly snapshots: Array<{ checkpointId: number; counts: number[] }> = [];
  restored: boolean | undefined;

  override initializeState(context: { isRestored: boolean }): void {
    this.restored = context.isRestored;
  }

  processElement(value: unknown, inputIndex: number, timestamp?: number): void {
    this.counts[inputIndex]!++;
    this.out.collect(value, timestamp);
  }

  override snapshotState(context: StateSnapshotContext): void {
    this.snapshots.push({ checkpointId: context.checkpointId, counts: this.counts.slice() });
  }
}

describe('AbstractStreamOperator', () => {
  it('forwards records with their timestamps, watermarks and statuses of a single input', () => {
    const out = new RecordingOutput();
    const op = new Counter();
    op.initializeState({ isRestored: false });
    op.open(context(out, 1));
    op.processElement('a', 0, 5);
    op.processWatermark(3, 0);
    op.processWatermarkStatus('IDLE', 0);
    op.processElement('b', 0);
    op.processWatermark(Watermark.MAX, 0);
    expect(out.seen).to.deep.equal([['a', 5], { watermark: 3 }, { status: 'IDLE' }, 'b', { watermark: Watermark.MAX }]);
  });

  it('forwards the minimum watermark of two inputs, ignoring an idle one, and is idle when both are', () => {
    const out = new RecordingOutput();
    const op = new Counter();
    op.open(context(out, 2));
    op.processWatermark(10, 0);
    expect(out.seen).to.deep.equal([]);
    op.processWatermark(4, 1);
    op.processWatermark(8, 1);
    expect(out.seen.splice(0)).to.deep.equal([{ watermark: 4 }, { watermark: 8 }]);
    op.processWatermarkStatus('IDLE', 1);
    expect(out.seen.splice(0)).to.deep.equal([{ watermark: 10 }]);
    op.processWatermarkStatus('IDLE', 0);
    expect(out.seen.splice(0)).to.deep.equal([{ status: 'IDLE' }]);
    op.processWatermarkStatus('ACTIVE', 1);
    op.processWatermark(20, 1);
    expect(out.seen.splice(0)).to.deep.equal([{ status: 'ACTIVE' }, { watermark: 20 }]);
  });

  it('runs the state hooks: initializeState before open, snapshotState between elements', () => {
    const op = new Counter();
    op.initializeState({ isRestored: false });
    op.open(context(new RecordingOutput(), 2));
    op.processElement('x', 0);
    op.processElement('y', 1);
    op.snapshotState({ checkpointId: 1, checkpointTimestamp: 1000 });
    op.processElement('z', 1);
    op.snapshotState({ checkpointId: 2, checkpointTimestamp: 2000 });
    expect(op.restored).to.equal(false);
    expect(op.snapshots).to.deep.equal([
      { checkpointId: 1, counts: [1, 1] },
      { checkpointId: 2, counts: [1, 2] },
    ]);
  });
});
