import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { buildVerificationJob, committedLines, expectedLines, type VerificationOptions } from './jobs/checkpoint-verification-job.js';

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
});
