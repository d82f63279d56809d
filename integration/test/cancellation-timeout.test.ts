import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { MiniCluster, captureProgramJob } from '@spindle/runtime';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'busy-loop-job.js');

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

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
        await until(`the slots of run ${i} are free`, () => cluster.taskExecutors[0]!.allocatedSlotCount() === 0);
      }
    } finally {
      await cluster.close();
    }
  });
});
