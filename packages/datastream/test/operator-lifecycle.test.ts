import { expect } from 'chai';
import { configureLogging, resetLogging } from '@spindle/core';
import type { OperatorContext } from '@spindle/runtime';
import { StreamExecutionEnvironment } from '../src/index.js';
import { AbstractOperator } from '../src/operators/basic-operators.js';

/** A sink whose open takes a resource only when `release` is called, as a file sink's open awaits the file system. */
class SlowOpenSink extends AbstractOperator {
  static release: () => void = () => undefined;
  static opened = 0;
  static closed = 0;
  private holds = false;

  // The task awaits open (StreamOperator.open may return a promise); the base class's open is synchronous.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async open(ctx: OperatorContext): Promise<void> {
    super.open(ctx);
    await new Promise<void>((resolve) => (SlowOpenSink.release = resolve));
    SlowOpenSink.opened++;
    this.holds = true;
  }

  processElement(): void {}

  override close(): void {
    if (!this.holds) return;
    this.holds = false;
    SlowOpenSink.closed++;
  }
}

describe('operator lifecycle', function () {
  this.timeout(60_000);
  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  it('closes an operator whose asynchronous open was still running when its task was cancelled, once the open settles', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromElements(1)
      .map(() => {
        throw new RangeError('fails while the other task opens');
      })
      .print();
    const input = env.fromElements(2);
    env.addOperator({
      name: 'Slow Open',
      kind: 'sink:slow-open',
      role: 'sink',
      inputs: [input.transformation],
      createOperator: () => new SlowOpenSink(),
      bounded: true,
    });
    let failure: Error | undefined;
    try {
      await env.execute('cancelled while opening');
    } catch (e) {
      failure = e as Error;
    }
    expect(failure?.message).to.match(/fails while the other task opens/);
    expect(SlowOpenSink.opened).to.equal(0);
    SlowOpenSink.release();
    for (let i = 0; i < 100 && SlowOpenSink.closed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(SlowOpenSink.opened).to.equal(1);
    expect(SlowOpenSink.closed).to.equal(1);
  });
});
