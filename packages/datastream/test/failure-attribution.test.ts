import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'error' });

async function failureOf(env: StreamExecutionEnvironment): Promise<Error> {
  const error = await env.execute().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(Error);
  return error as Error;
}

describe('the operator blamed for a failure is the one that failed', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-blame-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a sink that cannot open its output directory is reported as the sink, not the map chained before it', async () => {
    // The directory passes the submission-time check (no finished parts), but the sink's in-progress
    // file cannot be opened: a directory stands in its place.
    const out = path.join(dir, 'out');
    fs.mkdirSync(path.join(out, '.part-0-0.inprogress', 'blocker'), { recursive: true });
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 10)
      .map((x) => x * 2)
      .name('Doubler')
      .writeAsText(out);
    const error = await failureOf(env);
    expect(error.message).to.match(/^Sink: Text File: .* \(1\/1\) failed: cannot write to output directory/);
    expect(error.message).not.to.match(/Doubler/);
  });

  it('a sink that cannot finish its part file at the end of input is reported as the sink', async () => {
    // Something else takes the finished part's name while the job runs, so the final rename fails.
    const out = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 10)
      .map((x) => {
        fs.mkdirSync(path.join(out, 'part-0-0', 'keep'), { recursive: true });
        return x * 2;
      })
      .name('Doubler')
      .writeAsText(out);
    const error = await failureOf(env);
    expect(error.message).to.match(/^Sink: Text File: .* \(1\/1\) failed/);
    expect(error.message).not.to.match(/Doubler/);
  });
});
