import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { MiniCluster, PartitionManager } from '@spindle/runtime';
import { StreamExecutionEnvironment } from '../src/index.js';
import { untilTrue } from '@spindle/core/testing';

configureLogging({ level: 'error' });

describe('partitions and partition requests of an ended job are released', function () {
  this.timeout(60_000);

  it('a consumer waiting for a partition of a job that ended is rejected with a clear error, and nothing of the job stays registered', async () => {
    const manager = new PartitionManager();
    const waiting = manager.requestSubpartition('ds#0#never', 0, undefined, { jobId: 'job-a' });
    const other = manager.requestSubpartition('ds#1#never', 0, undefined, { jobId: 'job-b' });
    expect(manager.size().waiting).to.equal(2);
    manager.releaseJob('job-a', 'job job-a ended (FAILED)');
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.equal('stopped waiting for partition ds#0#never: job job-a ended (FAILED)');
    expect(manager.size()).to.deep.equal({ partitions: 0, waiting: 1 });
    manager.releaseJob('job-b', 'job job-b ended (CANCELED)');
    await other.catch(() => undefined);
    expect(manager.size()).to.deep.equal({ partitions: 0, waiting: 0 });
  });

  it('an in-process mini cluster keeps no partition or waiting request of finished, failed and cancelled jobs', async () => {
    const cluster = new MiniCluster({ config: new Configuration(), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const run = async (name: string, build: (env: StreamExecutionEnvironment) => void, cancel: boolean): Promise<string> => {
        const env = StreamExecutionEnvironment.createLocalEnvironment(2);
        build(env);
        const { jobGraph, program } = env.prepare(name);
        await cluster.submitJob(jobGraph, { bundlePath: '', args: [] }, program);
        if (cancel) await cluster.dispatcher.cancelJob(jobGraph.jobId);
        const result = await cluster.requestJobResult(jobGraph.jobId);
        await untilTrue(`the slots of ${name} are free`, () => cluster.taskExecutors[0]!.allocatedSlotCount() === 0);
        expect(cluster.shuffleState(), name).to.deep.equal({ partitions: 0, waiting: 0 });
        return result.status;
      };
      expect(
        await run(
          'finished',
          (env) =>
            env
              .fromSequence(1, 1000)
              .rebalance()
              .map((x) => x)
              .filter(() => false)
              .print(),
          false,
        ),
      ).to.equal('FINISHED');
      expect(
        await run('failed', (env) => env.fromElements({ id: 1 }).returns({ type: 'recrod', name: 'R' }).rebalance().print(), false),
      ).to.equal('FAILED');
      expect(
        await run(
          'cancelled',
          (env) =>
            env
              .fromDataGenerator((n) => n)
              .rebalance()
              .filter(() => false)
              .print(),
          true,
        ),
      ).to.equal('CANCELED');
    } finally {
      await cluster.close();
    }
  });
});
