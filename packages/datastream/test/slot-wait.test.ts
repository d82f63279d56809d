import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { MiniCluster } from '@spindle/runtime';
import { StreamExecutionEnvironment } from '../src/index.js';
import { untilTrue } from '@spindle/core/testing';

configureLogging({ level: 'error' });

describe('a job that needs more slots than the cluster has', function () {
  this.timeout(60_000);
  let cluster: MiniCluster;

  afterEach(() => cluster.close());

  async function submit(mode: 'STREAMING' | 'BATCH'): Promise<string> {
    cluster = new MiniCluster({
      config: new Configuration({ 'slot.request.timeout': '1500 ms' }),
      numTaskManagers: 1,
      slotsPerTaskManager: 1,
      slotMode: 'inline',
    });
    await cluster.start();
    const env = StreamExecutionEnvironment.createLocalEnvironment(2).setRuntimeMode(mode);
    if (mode === 'BATCH') {
      // BATCH runs region by region: this region (a source and a map in another slot sharing group,
      // joined by a pipelined forward exchange) needs 2 slots at once.
      env
        .fromSequence(1, 10)
        .setParallelism(1)
        .map((x) => x)
        .setParallelism(1)
        .slotSharingGroup('other')
        .filter(() => false)
        .print();
    } else {
      env
        .fromSequence(1, 10)
        .rebalance()
        .map((x) => x)
        .filter(() => false)
        .print();
    }
    const { jobGraph, program } = env.prepare(`needs 2 slots (${mode})`);
    await cluster.submitJob(jobGraph, { bundlePath: '', args: [] }, program);
    return jobGraph.jobId;
  }

  it('is RUNNING with its tasks SCHEDULED while it waits, says how many slots it waits for, and a streaming job then fails with NoResourceAvailableException', async () => {
    const jobId = await submit('STREAMING');
    const jm = cluster.dispatcher.jobMaster(jobId)!;
    await untilTrue('the job is RUNNING', () => jm.graph.status === 'RUNNING');
    expect(jm.graph.executions.map((e) => e.state)).to.deep.equal(jm.graph.executions.map(() => 'SCHEDULED'));
    await untilTrue('the job knows what it waits for', () => jm.slotWait() !== undefined);
    expect(jm.slotWait()).to.include({ needed: 2, missing: 1 });
    const result = await cluster.requestJobResult(jobId);
    expect(result.status).to.equal('FAILED');
    expect(result.failure?.name).to.equal('NoResourceAvailableException');
    expect(result.failure?.message).to.match(/needs 2 slots/);
    await untilTrue('the slot is free again', () => cluster.taskExecutors[0]!.allocatedSlotCount() === 0);
  });

  it('keeps a batch job whose region needs more slots than the cluster has waiting past slot.request.timeout, as Flink does, until it is cancelled', async () => {
    const jobId = await submit('BATCH');
    const jm = cluster.dispatcher.jobMaster(jobId)!;
    await untilTrue('the job is RUNNING', () => jm.graph.status === 'RUNNING');
    await untilTrue('the job knows what it waits for', () => jm.slotWait() !== undefined);
    expect(jm.slotWait()).to.include({ needed: 2, missing: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(jm.graph.status).to.equal('RUNNING');
    await cluster.dispatcher.cancelJob(jobId);
    expect((await cluster.requestJobResult(jobId)).status).to.equal('CANCELED');
    await untilTrue('the slot is free again', () => cluster.taskExecutors[0]!.allocatedSlotCount() === 0);
  });
});
