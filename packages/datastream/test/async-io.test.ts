import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  AsyncDataStream,
  AsyncRetryStrategies,
  BasePathBucketAssigner,
  FileSink,
  OnCheckpointRollingPolicy,
  RichMapFunction,
  SimpleStringEncoder,
  ProcessFunction,
  RetryPredicates,
  RichAsyncFunction,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type Collector,
  type ProcessFunctionContext,
  type AsyncFunction,
  type ResultFuture,
} from '../src/index.js';
import { AsyncWaitOperator } from '../src/async/async-wait-operator.js';
import { OperatorHarness } from './operator-harness.js';

configureLogging({ level: 'error' });

function env(p = 1): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.createLocalEnvironment(p).setRuntimeMode('STREAMING');
}

const N = 600;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** A delay that differs from input to input, so that calls complete out of order. */
const delayOf = (i: number): number => (i * 7919) % 9;
const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

async function failureOf(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (e) {
    return e as Error;
  }
  throw new Error('the job was expected to fail');
}

describe('async I/O (AsyncDataStream)', function () {
  this.timeout(60_000);

  it('orderedWait emits the answers in input order although calls complete out of order', async () => {
    const got = await AsyncDataStream.orderedWait(
      env().fromCollection(range(N)),
      (i: number) => later(delayOf(i), [i * 2, -i]),
      5_000,
      20,
    ).executeAndCollect();
    expect(got).to.deep.equal(range(N).flatMap((i) => [i * 2, -i]));
  });

  it('unorderedWait emits every answer, in completion order, at every parallelism', async () => {
    const got = await AsyncDataStream.unorderedWait(
      env(3).fromCollection(range(N)).rebalance(),
      (i: number) => later(delayOf(i), [i * 2]),
      5_000,
      20,
    ).executeAndCollect();
    expect([...got].sort((a, b) => a - b)).to.deep.equal(range(N).map((i) => i * 2));
    expect(got, 'calls of different delays complete out of input order').to.not.deep.equal(range(N).map((i) => i * 2));
  });

  it('unorderedWait never lets an answer pass a watermark that came after its input, and keeps timestamps', async () => {
    const seen: Array<{ ts: number | undefined; watermark: number; value: number }> = [];
    const events = env()
      .fromCollection(range(N).map((i) => ({ ts: i * 10, i })))
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<{ ts: number; i: number }>().withTimestampAssigner((e) => e.ts),
      );
    const answered = AsyncDataStream.unorderedWait(events, (e: { ts: number; i: number }) => later(delayOf(e.i) * 2, [e.i]), 5_000, 50);
    const checked = await answered
      .process(
        new (class extends ProcessFunction<number, number> {
          processElement(value: number, ctx: ProcessFunctionContext, out: Collector<number>): void {
            seen.push({ ts: ctx.timestamp(), watermark: ctx.timerService().currentWatermark(), value });
            out.collect(value);
          }
        })(),
      )
      .executeAndCollect();
    expect([...checked].sort((a, b) => a - b)).to.deep.equal(range(N));
    // The records are the collected ones of this run (same thread), each with its input's timestamp.
    const last = seen.slice(-N);
    for (const s of last) {
      expect(s.ts).to.equal(s.value * 10);
      expect(s.watermark, `record ${s.value} arrived behind a watermark past its timestamp`).to.be.below(s.ts!);
    }
  });

  it('keeps at most `capacity` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const got = await AsyncDataStream.unorderedWait(
      env().fromCollection(range(300)),
      async (i: number) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await later(1 + (i % 3), undefined);
        inFlight--;
        return [i];
      },
      5_000,
      7,
    ).executeAndCollect();
    expect(got).to.have.length(300);
    expect(most).to.be.within(2, 7);
  });

  it('a call that never answers fails the job after the timeout, naming the input and what to do', async () => {
    const error = await failureOf(
      AsyncDataStream.orderedWait(
        env().fromCollection(['a', 'never']),
        (s: string, future: ResultFuture<string>) => {
          if (s === 'a') future.complete([s]);
        },
        300,
      ).executeAndCollect(),
    );
    expect(error.message).to.match(/Async function call has timed out after 300 ms for input never: raise the timeout/);
    expect(error.message).to.match(/Async Wait Operator/);
  });

  it("the function's timeout() may answer instead of failing", async () => {
    class WithFallback extends RichAsyncFunction<string, string> {
      asyncInvoke(s: string, future: ResultFuture<string>): void {
        if (s !== 'slow') future.complete([s.toUpperCase()]);
      }
      override timeout(s: string, future: ResultFuture<string>): void {
        future.complete([`${s}:fallback`]);
      }
    }
    const got = await AsyncDataStream.orderedWait(env().fromCollection(['a', 'slow', 'b']), new WithFallback(), 200).executeAndCollect();
    expect(got).to.deep.equal(['A', 'slow:fallback', 'B']);
  });

  it('retries failed calls and empty answers as the strategy says, and fails once the attempts are used up', async () => {
    const flaky = () => {
      const calls = new Map<number, number>();
      return (i: number): Promise<number[]> => {
        const n = (calls.get(i) ?? 0) + 1;
        calls.set(i, n);
        if (n === 1) return Promise.reject(new Error(`service down for ${i}`));
        if (n === 2) return Promise.resolve([]);
        return Promise.resolve([i * 10 + n]);
      };
    };
    const strategy = (attempts: number) =>
      new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<number>(attempts, 5)
        .ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE)
        .ifResult(RetryPredicates.EMPTY_RESULT_PREDICATE)
        .build();
    const got = await AsyncDataStream.orderedWaitWithRetry(
      env().fromCollection(range(50)),
      flaky(),
      5_000,
      10,
      strategy(2),
    ).executeAndCollect();
    expect(got).to.deep.equal(range(50).map((i) => i * 10 + 3));

    // One retry: the failure is retried, and the empty answer of the second call is final.
    const empty = await AsyncDataStream.unorderedWaitWithRetry(
      env().fromCollection([7]),
      flaky(),
      5_000,
      10,
      strategy(1),
    ).executeAndCollect();
    expect(empty).to.deep.equal([]);
    const down = (i: number): Promise<number[]> => Promise.reject(new Error(`service down for ${i}`));
    const error = await failureOf(
      AsyncDataStream.unorderedWaitWithRetry(env().fromCollection([7]), down, 5_000, 10, strategy(2)).executeAndCollect(),
    );
    expect(error.message).to.match(/service down for 7/);
    const backoff = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<number>(5, 10, 50, 2).build();
    expect([1, 2, 3, 4, 5].map((a) => backoff.getBackoffTimeMillis(a))).to.deep.equal([10, 20, 40, 50, 50]);
    expect(backoff.canRetry(5)).to.equal(true);
    expect(backoff.canRetry(6)).to.equal(false);
  });

  it('a failing call without retries fails the job with its own error', async () => {
    const error = await failureOf(
      AsyncDataStream.orderedWait(
        env().fromCollection([1, 2, 3]),
        (i: number) => (i === 2 ? Promise.reject(new Error('lookup of 2 refused')) : Promise.resolve([i])),
        1_000,
      ).executeAndCollect(),
    );
    expect(error.message).to.match(/lookup of 2 refused/);
  });

  it('rejects a bad timeout, capacity or function when the job is built', () => {
    const s = env().fromCollection([1]);
    expect(() => AsyncDataStream.orderedWait(s, (i: number) => Promise.resolve([i]), -1)).to.throw(
      /timeout must be a number of milliseconds, at least 0/,
    );
    expect(() => AsyncDataStream.orderedWait(s, (i: number) => Promise.resolve([i]), 100, 0)).to.throw(
      /capacity \(inputs in flight\) must be a positive integer, not 0/,
    );
    expect(() => AsyncDataStream.unorderedWait(s, {} as never, 100)).to.throw(/must be a function/);
    expect(() => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder(0, 10)).to.throw(/maxAttempts must be a positive integer/);
  });

  it('puts the inputs in flight into the checkpoint and calls them again after a restore', async () => {
    const pending = new AsyncWaitOperator(() => new Promise<never>(() => undefined), { mode: 'ORDERED', timeoutMs: 0, capacity: 10 });
    const h = await OperatorHarness.open(pending);
    h.element('x', 100);
    h.element('y', 200);
    h.watermark(150);
    h.element('z', 300);
    const snapshot = await h.snapshot();
    expect(h.output).to.deep.equal([]);
    expect(h.watermarks).to.deep.equal([]);

    const answering = new AsyncWaitOperator(((s: string) => Promise.resolve([`${s}!`])) as AsyncFunction<unknown, unknown>, {
      mode: 'ORDERED',
      timeoutMs: 0,
      capacity: 10,
    });
    const restored = await OperatorHarness.open(answering, { restored: snapshot });
    await answering.finish();
    expect(restored.output).to.deep.equal([
      ['x!', 100],
      ['y!', 200],
      ['z!', 300],
    ]);
    expect(restored.watermarks).to.deep.equal([150]);
  });
  it('with checkpoints, a failure and a restart, every answer is written exactly once (calls in flight are restored and made again)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-async-cp-'));
    try {
      const out = path.join(dir, 'out');
      const n = 3000;
      const e = StreamExecutionEnvironment.createLocalEnvironment(2, {
        'execution.checkpointing.interval': '100 ms',
        'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
        'restart-strategy.type': 'fixed-delay',
        'restart-strategy.fixed-delay.attempts': '2',
        'restart-strategy.fixed-delay.delay': '50 ms',
      }).setRuntimeMode('STREAMING');
      const source = e.fromDataGenerator((i) => i, { count: n, recordsPerSecond: 6000 }).uid('generator');
      let failures = 0;
      class FailOnce extends RichMapFunction<string, string> {
        private seen = 0;
        map(line: string): string {
          if (this.getRuntimeContext().getAttemptNumber() === 0 && ++this.seen === 700) {
            failures++;
            throw new Error('injected failure');
          }
          return line;
        }
      }
      AsyncDataStream.unorderedWait(source, (i: number) => later(delayOf(i) * 3, [`answer-${i}`]), 10_000, 30)
        .uid('lookup')
        .map(new FailOnce())
        .sinkTo(
          FileSink.forRowFormat(out, new SimpleStringEncoder<string>())
            .withBucketAssigner(new BasePathBucketAssigner())
            .withRollingPolicy(OnCheckpointRollingPolicy.build())
            .build(),
        )
        .uid('sink');
      await e.execute('async I/O with checkpoints');
      const lines = fs
        .readdirSync(out)
        .filter((f) => !f.startsWith('.'))
        .flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n'))
        .filter((l) => l !== '')
        .sort();
      expect(failures, 'the job failed and restarted').to.be.at.least(1);
      expect(lines).to.deep.equal(
        range(n)
          .map((i) => `answer-${i}`)
          .sort(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
