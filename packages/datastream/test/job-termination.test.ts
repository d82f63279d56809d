import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'error' });

/** Runs `run` and fails with `what` if it has not settled within `ms` (a hang), instead of waiting for mocha. */
async function withinMs<T>(ms: number, what: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('every job reaches a terminal state', function () {
  this.timeout(180_000);

  it('a task failing while the other tasks of its job deploy fails the job (20 runs, each bounded)', async () => {
    for (let i = 0; i < 20; i++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromElements({ id: 1 }).returns({ type: 'recrod', name: 'R' }).rebalance().print();
      const error = await withinMs(15_000, `run ${i}`, () => env.execute().then(() => undefined, (e: unknown) => e));
      expect(error, `run ${i}`).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/recrod/);
    }
  });

  it('a map that throws on its first record before a rebalance to parallelism 2 fails the job (20 runs, each bounded)', async () => {
    for (let i = 0; i < 20; i++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromSequence(1, 100).map((x: number): number => {
        throw new Error(`bad record ${x}`);
      }).rebalance().map((x) => x).setParallelism(2).print();
      const error = await withinMs(15_000, `run ${i}`, () => env.execute().then(() => undefined, (e: unknown) => e));
      expect(error, `run ${i}`).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/bad record/);
    }
  });
});
