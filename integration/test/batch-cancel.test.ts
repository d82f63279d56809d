import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { MiniCluster, captureProgramJob } from '@spindle/runtime';
import { untilTrue } from '@spindle/core/testing';
import { removeDir, tempDir } from './cli-harness.js';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'slow-sort-job.js');

describe('cancelling a batch job that spilled (worker-thread slots)', function () {
  this.timeout(120_000);
  let spill: string;
  before(() => configureLogging({ level: 'error' }));
  after(() => {
    resetLogging();
    removeDir(spill);
  });

  it('removes the spill files of its sorter', async () => {
    spill = tempDir('cancel-spill');
    const config = new Configuration({ 'taskmanager.memory.managed.size': '64kb', 'io.tmp.dirs': spill });
    const cluster = new MiniCluster({ config, numTaskManagers: 1, slotsPerTaskManager: 1, slotMode: 'worker' });
    await cluster.start();
    try {
      const request = await captureProgramJob(JOB, { args: [], config: {}, mode: 'plan' });
      const jobId = request.jobGraph.jobId;
      await cluster.submitJob(request.jobGraph, { bundlePath: JOB, args: [] });
      await untilTrue('the sort spilled runs', () => fs.readdirSync(spill).length >= 3, 60_000);
      await cluster.dispatcher.cancelJob(jobId);
      const result = await cluster.requestJobResult(jobId);
      expect(result.status).to.equal('CANCELED');
      expect(fs.readdirSync(spill)).to.deep.equal([]);
    } finally {
      await cluster.close();
    }
  });
});
