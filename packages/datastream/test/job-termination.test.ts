import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { MiniCluster, type SourceStatus } from '@spindle/runtime';
import { SingleOutputStreamOperator, StreamExecutionEnvironment } from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';
import { withinMs } from '@spindle/core/testing';

configureLogging({ level: 'error' });

/** A source whose next batch never comes: its promise never settles. */
class NeverSource extends AbstractSource {
  emitNext(): Promise<SourceStatus> {
    return new Promise(() => undefined);
  }
}

describe('every job reaches a terminal state', function () {
  this.timeout(180_000);

  it('a task failing while the other tasks of its job deploy fails the job (20 runs, each bounded)', async () => {
    for (let i = 0; i < 20; i++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromElements({ id: 1 }).returns({ type: 'recrod', name: 'R' }).rebalance().print();
      const error = await withinMs(15_000, `run ${i}`, () =>
        env.execute().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error, `run ${i}`).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/recrod/);
    }
  });

  it('a map that throws on its first record before a rebalance to parallelism 2 fails the job (20 runs, each bounded)', async () => {
    for (let i = 0; i < 20; i++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env
        .fromSequence(1, 100)
        .map((x: number): number => {
          throw new Error(`bad record ${x}`);
        })
        .rebalance()
        .map((x) => x)
        .setParallelism(2)
        .print();
      const error = await withinMs(15_000, `run ${i}`, () =>
        env.execute().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error, `run ${i}`).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/bad record/);
    }
  });

  it('a job cancelled while its tasks deploy ends CANCELED and frees its slots (20 runs, each bounded)', async () => {
    const cluster = new MiniCluster({ config: new Configuration(), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      for (let i = 0; i < 20; i++) {
        const env = StreamExecutionEnvironment.createLocalEnvironment(2);
        env
          .fromDataGenerator((n) => n)
          .rebalance()
          .map((x) => x)
          .filter(() => false)
          .print();
        const { jobGraph, program } = env.prepare(`cancel while deploying ${i}`);
        await cluster.submitJob(jobGraph, { bundlePath: '', args: [] }, program);
        // Cancelled at once, or after the tasks had a few turns of the event loop to get going.
        for (let turn = 0; turn < i % 4; turn++) await new Promise((resolve) => setImmediate(resolve));
        await cluster.dispatcher.cancelJob(jobGraph.jobId);
        const result = await withinMs(15_000, `run ${i}`, () => cluster.requestJobResult(jobGraph.jobId));
        expect(result.status, `run ${i}`).to.equal('CANCELED');
        await withinMs(10_000, `freeing the slots of run ${i}`, async () => {
          while (cluster.taskExecutors[0]!.allocatedSlotCount() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        });
      }
    } finally {
      await cluster.close();
    }
  });

  it('a source whose promise never settles is cancelled when another task of its job fails (20 runs, each bounded)', async () => {
    for (let i = 0; i < 20; i++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const never = env.addOperator({
        name: 'Never',
        kind: 'source:never',
        role: 'source',
        inputs: [],
        bounded: false,
        createOperator: () => new NeverSource(),
      });
      new SingleOutputStreamOperator<number>(env, never).print();
      env
        .fromElements(1)
        .map((x: number): number => {
          throw new Error(`bad record ${x}`);
        })
        .slotSharingGroup('other')
        .print();
      const error = await withinMs(15_000, `run ${i}`, () =>
        env.execute().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error, `run ${i}`).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/bad record 1/);
    }
  });

  it('user functions get an AbortSignal in their context that aborts when the job fails', async () => {
    const signals: AbortSignal[] = [];
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromDataGenerator((n) => n, { recordsPerSecond: 100 })
      .map((x: number, ctx) => {
        if (signals.length === 0) signals.push(ctx.signal);
        return x;
      })
      .filter(() => false)
      .print();
    env
      .fromDataGenerator((n) => n, { recordsPerSecond: 100 })
      .map((x: number): number => {
        if (signals.length > 0) throw new Error(`bad record ${x}`);
        return x;
      })
      .slotSharingGroup('other')
      .filter(() => false)
      .print();
    const error = await withinMs(15_000, 'the job', () =>
      env.execute().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect((error as Error).message).to.match(/bad record/);
    expect(signals).to.have.length(1);
    expect(signals[0]!.aborted).to.equal(true);
  });
});
