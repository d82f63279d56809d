import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { MiniCluster } from '@spindle/runtime';
import {
  addVerificationPipeline,
  buildVerificationJob,
  committedLines,
  expectedLines,
  type VerificationOptions,
} from './jobs/checkpoint-verification-job.js';

configureLogging({ level: 'error' });

function checkExactlyOnce(output: string, n: number): void {
  const got = committedLines(output);
  const expected = expectedLines(n);
  const counts = new Map<string, number>();
  for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
  const duplicated = [...counts.values()].filter((c) => c > 1).length;
  const lost = expected.filter((l) => !counts.has(l)).length;
  expect({ lost, duplicated }).to.deep.equal({ lost: 0, duplicated: 0 });
  expect(got).to.deep.equal(expected);
}

describe('exactly-once recovery from checkpoints (in-process cluster)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-cp-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The attempts whose output was committed (the file names carry them). */
  function committedAttempts(output: string): number[] {
    const names = fs.readdirSync(path.join(output, 'committed'));
    return [...new Set(names.map((n) => Number(n.split('-')[3])))].sort();
  }

  async function run(options: Omit<VerificationOptions, 'output'>): Promise<{ output: string }> {
    const output = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.getExecutionEnvironment({
      'execution.checkpointing.interval': '200 ms',
      'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '3',
      'restart-strategy.fixed-delay.delay': '100 ms',
    });
    buildVerificationJob(env, { ...options, output });
    await env.execute('verification');
    return { output };
  }

  it('(a) a user function that throws after N records: output exact after the restart', async () => {
    const n = 12_000;
    const { output } = await run({ n, recordsPerSecond: 4000, failAfter: 3000 });
    checkExactlyOnce(output, n);
    expect(committedAttempts(output)).to.deep.equal([0, 1]);
  });

  it('(c) a failure inside a snapshot: output exact after the restart', async () => {
    const n = 12_000;
    const { output } = await run({ n, recordsPerSecond: 4000, failSnapshotAt: 4 });
    checkExactlyOnce(output, n);
    expect(committedAttempts(output)).to.deep.equal([0, 1]);
  });

  it('rejects an invalid interval or timeout with an error naming the setting', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.enableCheckpointing(5)).to.throw(/enableCheckpointing\(5, EXACTLY_ONCE\): must be at least 10 ms/);
    for (const [key, value, message] of [
      ['execution.checkpointing.interval', '0', /execution.checkpointing.interval: '0' must be at least 10 ms/],
      ['execution.checkpointing.timeout', 'soon', /execution.checkpointing.timeout: 'soon' is not a duration/],
    ] as const) {
      const bad = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.interval': '1 s', [key]: value });
      bad.fromElements(1).print();
      const error = await bad.execute().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.match(message);
    }
  });

  it('region failover restarts only the pipelined region of the failed task; the other runs on', async () => {
    const config = {
      'execution.checkpointing.interval': '200 ms',
      'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.delay': '100 ms',
      'jobmanager.execution.failover-strategy': 'region',
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    const n = 10_000;
    const failing = path.join(dir, 'failing');
    const steady = path.join(dir, 'steady');
    addVerificationPipeline(env, { n, recordsPerSecond: 4000, output: failing, failAfter: 2000 });
    addVerificationPipeline(env, { n, recordsPerSecond: 4000, output: steady });
    const request = env.prepare('two regions');
    const cluster = new MiniCluster({ config: new Configuration(config), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const result = await cluster.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
      expect(result.status).to.equal('FINISHED');
      const archive = cluster.dispatcher.archivedJob(request.jobGraph.jobId)!;
      expect(archive.numRestarts).to.equal(1);
      const vertices = request.jobGraph.vertices;
      const attempts = (names: string[]) => archive.executions.filter((e) => names.includes(e.vertexId)).map((e) => e.attemptNumber);
      const regionOfFailing = vertices.filter((v) => archive.executions.some((e) => e.vertexId === v.id && e.attemptNumber === 1));
      expect(regionOfFailing.length).to.be.greaterThan(0);
      expect(attempts(regionOfFailing.map((v) => v.id)).every((a) => a === 1)).to.equal(true);
      const others = vertices.filter((v) => !regionOfFailing.includes(v)).map((v) => v.id);
      expect(others.length).to.equal(regionOfFailing.length);
      expect(attempts(others).every((a) => a === 0)).to.equal(true);
    } finally {
      await cluster.close();
    }
    checkExactlyOnce(failing, n);
    checkExactlyOnce(steady, n);
    expect(committedAttempts(failing)).to.deep.equal([0, 1]);
    expect(committedAttempts(steady)).to.deep.equal([0]);
  });

  it('a checkpoint directory that cannot be written fails checkpoints, counted, and the job only past tolerable-failed-checkpoints', async () => {
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    const config = {
      'execution.checkpointing.interval': '100 ms',
      'execution.checkpointing.dir': path.join(dir, 'a-file', 'checkpoints'),
      'execution.checkpointing.tolerable-failed-checkpoints': '2',
      'restart-strategy.type': 'none',
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    buildVerificationJob(env, { n: 1_000_000, recordsPerSecond: 2000, output: path.join(dir, 'out') });
    const request = env.prepare('unwritable checkpoints');
    const cluster = new MiniCluster({ config: new Configuration(config), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const result = await cluster.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
      expect(result.status).to.equal('FAILED');
      expect(result.failure?.message).to.match(/Exceeded checkpoint tolerable failure threshold/);
      const counts = cluster.dispatcher.archivedJob(request.jobGraph.jobId)!.checkpoints!.counts;
      expect(counts).to.deep.include({ completed: 0, failed: 3 });
    } finally {
      await cluster.close();
    }
  });

  it('a job cancelled while it waits to restart ends CANCELED, and its restart does not happen', async () => {
    const config = {
      'execution.checkpointing.interval': '100 ms',
      'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.delay': '1 h',
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    buildVerificationJob(env, { n: 100_000, recordsPerSecond: 5000, output: path.join(dir, 'out'), failAfter: 500 });
    const request = env.prepare('cancelled while restarting');
    const cluster = new MiniCluster({ config: new Configuration(config), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const jobId = request.jobGraph.jobId;
      await cluster.submitJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
      const deadline = Date.now() + 30_000;
      while ((await cluster.dispatcher.requestJobStatus(jobId)) !== 'RESTARTING') {
        if (Date.now() > deadline) throw new Error('the job did not restart');
        await new Promise((r) => setTimeout(r, 20));
      }
      await cluster.dispatcher.cancelJob(jobId);
      const result = await cluster.requestJobResult(jobId);
      expect(result.status).to.equal('CANCELED');
      expect(cluster.dispatcher.archivedJob(jobId)!.numRestarts).to.equal(0);
    } finally {
      await cluster.close();
    }
  });
});
