import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { MiniCluster, captureProgramJob } from '@spindle/runtime';
import { untilTrue, withinMs } from '@spindle/core/testing';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'busy-loop-job.js');

describe('a task that ignores cancellation (worker-thread slots)', function () {
  this.timeout(300_000);
  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  it('has its slot worker terminated after task.cancellation.timeout: the job fails, the slots are freed and the TaskManager takes the next job (20 runs on one cluster)', async () => {
    const config = new Configuration({ 'task.cancellation.timeout': '300 ms' });
    const cluster = new MiniCluster({ config, numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'worker' });
    await cluster.start();
    try {
      for (let i = 0; i < 20; i++) {
        const request = await captureProgramJob(JOB, { args: [], config: {}, mode: 'plan', instance: i });
        const result = await withinMs(30_000, `run ${i}`, () => cluster.executeJob(request.jobGraph, { bundlePath: JOB, args: [] }));
        expect(result.status, `run ${i}`).to.equal('FAILED');
        expect(result.failure?.message, `run ${i}`).to.match(/boom on 2/);
        await untilTrue(`the slots of run ${i} are free`, () => cluster.taskExecutors[0]!.allocatedSlotCount() === 0);
      }
    } finally {
      await cluster.close();
    }
  });
});
