import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { BasePathBucketAssigner, DefaultRollingPolicy, FileSink, SimpleStringEncoder, StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'error' });

/** Every file under `dir`, by path relative to it. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => fs.statSync(path.join(dir, p)).isFile());
}

const isHidden = (p: string): boolean => p.split(path.sep).some((part) => part.startsWith('.'));

function committedLines(dir: string): string[] {
  return walk(dir)
    .filter((p) => !isHidden(p))
    .flatMap((p) => fs.readFileSync(path.join(dir, p), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .sort();
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `record-${i + 1}`).sort();

describe('FileSink in jobs, on the local file system through the FileSystem port', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-filesink-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a bounded STREAMING job without checkpointing commits exactly its records at the end of input, in rolled part files', async () => {
    const out = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.createLocalEnvironment(2).setRuntimeMode('STREAMING');
    env
      .fromSequence(1, 2000)
      .map((i) => `record-${i}`)
      .sinkTo(
        FileSink.forRowFormat(out, new SimpleStringEncoder<string>())
          .withBucketAssigner(new BasePathBucketAssigner())
          .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize('4kb').build())
          .build(),
      );
    await env.execute('file sink, streaming');
    expect(committedLines(out)).to.deep.equal(expected(2000));
    const files = walk(out);
    expect(files.filter(isHidden), 'no in-progress or pending files').to.deep.equal([]);
    expect(files.length, 'rolled by size').to.be.greaterThan(4);
    const subtasks = new Set(files.map((f) => /^part-[0-9a-f-]{36}-(\d)-\d+$/.exec(f)?.[1]));
    expect([...subtasks].sort()).to.deep.equal(['0', '1']);
  });

  it('a BATCH job commits at the end of input, into hourly buckets by default', async () => {
    const out = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.createLocalEnvironment(3).setRuntimeMode('BATCH');
    env
      .fromSequence(1, 3000)
      .rebalance()
      .map((i) => `record-${i}`)
      .sinkTo(FileSink.forRowFormat(out, new SimpleStringEncoder<string>()).build())
      .name('Hourly files');
    await env.execute('file sink, batch');
    expect(committedLines(out)).to.deep.equal(expected(3000));
    const files = walk(out);
    expect(files.filter(isHidden)).to.deep.equal([]);
    for (const f of files) expect(f).to.match(/^\d{4}-\d\d-\d\d--\d\d\/part-[0-9a-f-]{36}-[012]-0$/);
  });

  it('takes file:// URIs, and a second run adds its own part files beside the first one’s', async () => {
    const out = `${pathToFileURL(dir).href}/out`;
    for (let run = 0; run < 2; run++) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1).setRuntimeMode('BATCH');
      env
        .fromSequence(1, 100)
        .map((i) => `record-${i}`)
        .sinkTo(FileSink.forRowFormat(out, new SimpleStringEncoder<string>()).withBucketAssigner(new BasePathBucketAssigner()).build());
      await env.execute();
    }
    const lines = committedLines(path.join(dir, 'out'));
    expect(lines).to.deep.equal([...expected(100), ...expected(100)].sort());
    expect(walk(path.join(dir, 'out'))).to.have.length(2);
  });

  it('a base path that cannot be written fails the job, naming the sink and the path', async () => {
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file where the sink wants a directory');
    const out = path.join(dir, 'blocker', 'out');
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 10)
      .map(String)
      .sinkTo(FileSink.forRowFormat(out, new SimpleStringEncoder<string>()).withBucketAssigner(new BasePathBucketAssigner()).build());
    const error = await env.execute().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(
      new RegExp(`^Sink: FileSink: ${out} \\(1/1\\) failed: FileSink to ${out}: cannot write part file ${out}/\\.part-`),
    );
  });
});
