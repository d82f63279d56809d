import path from 'node:path';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { MiniCluster, type ExecuteRequest } from '@spindle/runtime';
import { readPartFiles, removeDir, tempDir } from './cli-harness.js';
import { untilTrue } from '@spindle/core/testing';

const LAST = 10_000;
const KEYS = 7;

/** Sequence → Pair (own vertex) → keyBy → Sum → Format → text files: three vertices of one sharing group. */
function summingJob(parallelism: number, outputDir: string): ExecuteRequest {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  env
    .fromSequence(1, LAST)
    .map((x): [number, number] => [x % KEYS, x])
    .name('Pair')
    .disableChaining()
    .keyBy((pair) => pair[0])
    .sum(1)
    .name('Sum')
    .map(([key, sum]) => `${key} ${sum}`)
    .name('Format')
    .writeAsText(outputDir)
    .name('Sums');
  return env.prepare(`Slot sharing p=${parallelism}`);
}

/** Per key: how many numbers of 1..LAST fall on it and their total, by plain arithmetic. */
function expectedSums(): Map<number, { count: number; sum: number }> {
  const expected = new Map<number, { count: number; sum: number }>();
  for (let x = 1; x <= LAST; x++) {
    const e = expected.get(x % KEYS) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += x;
    expected.set(x % KEYS, e);
  }
  return expected;
}

describe('slot sharing on a mini cluster of 2 TaskExecutors x 2 slots', function () {
  this.timeout(30_000);
  let cluster: MiniCluster | undefined;
  let work: string;

  before(() => configureLogging({ level: 'warn' }));
  after(() => resetLogging());

  beforeEach(async () => {
    work = tempDir('slots');
    cluster = new MiniCluster({
      config: new Configuration({ 'slot.request.timeout': '500 ms' }),
      numTaskManagers: 2,
      slotsPerTaskManager: 2,
      slotMode: 'inline',
    });
    await cluster.start();
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    removeDir(work);
  });

  async function run(request: ExecuteRequest) {
    return cluster!.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
  }

  function expectSumsWritten(outputDir: string): void {
    const { files, lines } = readPartFiles(outputDir);
    expect(files).to.have.length.of.at.most(4);
    const updates = new Map<number, number[]>();
    for (const line of lines) {
      const [key, sum] = line.split(' ').map(Number) as [number, number];
      updates.set(key, [...(updates.get(key) ?? []), sum]);
    }
    const expected = expectedSums();
    expect([...updates.keys()].sort()).to.deep.equal([...expected.keys()].sort());
    for (const [key, { count, sum }] of expected) {
      const seen = updates.get(key)!;
      expect(seen, `updates of key ${key}`).to.have.length(count);
      expect(seen[seen.length - 1], `final sum of key ${key}`).to.equal(sum);
      expect(
        seen.every((s, i) => i === 0 || s > seen[i - 1]!),
        `rolling sums of key ${key} grow`,
      ).to.equal(true);
    }
  }

  it('runs a parallelism-4 job in exactly 4 slots, 2 per TaskExecutor, one subtask index per slot', async () => {
    const outputDir = path.join(work, 'sums');
    const request = summingJob(4, outputDir);
    const result = await run(request);
    expect(result.status, JSON.stringify(result.failure)).to.equal('FINISHED');

    const executions = cluster!.dispatcher.archivedJob(request.jobGraph.jobId)!.executions;
    expect(new Set(executions.map((e) => e.vertexId)).size, 'vertices').to.equal(3);
    expect(executions).to.have.length(12);
    for (const e of executions) {
      expect(e.state, `${e.vertexId} #${e.subtaskIndex}`).to.equal('FINISHED');
      expect(e.slot, `${e.vertexId} #${e.subtaskIndex} has a slot`).to.not.equal(undefined);
    }

    const allocations = new Map(executions.map((e) => [e.slot!.allocationId, e.slot!]));
    expect(allocations.size, 'distinct slots used').to.equal(4);

    const perTaskExecutor = new Map<string, Array<{ allocationId: string; slotIndex: number }>>();
    for (const slot of allocations.values()) perTaskExecutor.set(slot.resourceId, [...(perTaskExecutor.get(slot.resourceId) ?? []), slot]);
    expect([...perTaskExecutor.keys()].sort()).to.deep.equal(cluster!.taskExecutors.map((te) => te.resourceId).sort());
    for (const [resourceId, slots] of perTaskExecutor) {
      expect(slots, `slots used on ${resourceId}`).to.have.length(2);
      expect(slots.map((s) => s.slotIndex).sort(), `slot indexes on ${resourceId}`).to.deep.equal([0, 1]);
    }

    const slotOfSubtask = new Map<number, Set<string>>();
    for (const e of executions)
      slotOfSubtask.set(e.subtaskIndex, (slotOfSubtask.get(e.subtaskIndex) ?? new Set()).add(e.slot!.allocationId));
    expect([...slotOfSubtask.keys()].sort()).to.deep.equal([0, 1, 2, 3]);
    for (const [index, slots] of slotOfSubtask) expect(slots.size, `slots of subtask index ${index}`).to.equal(1);
    expect(new Set([...slotOfSubtask.values()].map((s) => [...s][0])).size, 'subtask indexes in distinct slots').to.equal(4);

    expectSumsWritten(outputDir);
    await untilTrue('every slot is released', () => cluster!.resourceManager.allocatedSlots().length === 0);
  });

  it('fails a parallelism-5 job with NO_RESOURCE_AVAILABLE, then runs a parallelism-4 job on the freed slots', async () => {
    const started = Date.now();
    const tooWide = summingJob(5, path.join(work, 'never'));
    const failed = await run(tooWide);
    expect(failed.status).to.equal('FAILED');
    expect(failed.failure?.code).to.equal('NO_RESOURCE_AVAILABLE');
    expect(failed.failure?.message).to.match(/needs 5 slots/);
    expect(failed.failure?.message).to.match(/taskmanager\.numberOfTaskSlots|parallelism/);
    expect(Date.now() - started, 'failed within a few slot request timeouts').to.be.below(10_000);
    const executions = cluster!.dispatcher.archivedJob(tooWide.jobGraph.jobId)!.executions;
    for (const e of executions) expect(['CREATED', 'CANCELED'], `${e.vertexId} #${e.subtaskIndex} never ran`).to.include(e.state);

    await untilTrue('the failed job released its slots', () => cluster!.resourceManager.allocatedSlots().length === 0);
    const outputDir = path.join(work, 'sums');
    const fits = await run(summingJob(4, outputDir));
    expect(fits.status, JSON.stringify(fits.failure)).to.equal('FINISHED');
    expectSumsWritten(outputDir);
  });
});
