import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  BasePathBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OnCheckpointRollingPolicy,
  RichMapFunction,
  SimpleStringEncoder,
  StreamExecutionEnvironment,
  type RollingPolicy,
} from '../src/index.js';

configureLogging({ level: 'error' });

const isHidden = (p: string): boolean => p.split(path.sep).some((part) => part.startsWith('.'));

function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => fs.statSync(path.join(dir, p)).isFile());
}

function committedLines(dir: string): string[] {
  return files(dir)
    .filter((p) => !isHidden(p))
    .flatMap((p) => fs.readFileSync(path.join(dir, p), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .sort();
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `record-${i}`).sort();

/** Throws once, in the first attempt, after `failAfter` records of its subtask. */
class FailOnce extends RichMapFunction<number, string> {
  private seen = 0;

  constructor(private readonly failAfter: number | undefined) {
    super();
  }

  map(i: number): string {
    this.seen++;
    if (this.getRuntimeContext().getAttemptNumber() === 0 && this.seen === this.failAfter)
      throw new Error(`injected failure at record ${this.seen}`);
    return `record-${i}`;
  }
}

describe('FileSink in jobs with checkpoints', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-filesink-cp-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(n: number, policy: RollingPolicy, failAfter?: number): Promise<string> {
    const out = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.createLocalEnvironment(2, {
      'execution.checkpointing.interval': '100 ms',
      'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '2',
      'restart-strategy.fixed-delay.delay': '50 ms',
    }).setRuntimeMode('STREAMING');
    env
      .fromDataGenerator((i) => i, { count: n, recordsPerSecond: 4000 })
      .uid('generator')
      .map(new FailOnce(failAfter))
      .sinkTo(
        FileSink.forRowFormat(out, new SimpleStringEncoder<string>())
          .withBucketAssigner(new BasePathBucketAssigner())
          .withRollingPolicy(policy)
          .build(),
      )
      .uid('file-sink');
    await env.execute('file sink with checkpoints');
    return out;
  }

  it('a bounded job commits every record exactly once through its checkpoints and the final one', async () => {
    const out = await run(4000, DefaultRollingPolicy.builder().withMaxPartSize('8kb').build());
    expect(committedLines(out)).to.deep.equal(expected(4000));
    expect(files(out).filter(isHidden), 'nothing left in progress or pending').to.deep.equal([]);
    expect(files(out).length, 'several part files per subtask').to.be.greaterThan(2);
  });

  for (const [name, policy] of [
    ['in-progress files resumed after the restore (DefaultRollingPolicy)', DefaultRollingPolicy.builder().withMaxPartSize('8kb').build()],
    ['a file per checkpoint (OnCheckpointRollingPolicy)', OnCheckpointRollingPolicy.build()],
  ] as const) {
    it(`a failure in a user function: after the restart every record is committed exactly once, ${name}`, async () => {
      const out = await run(8000, policy, 1500);
      const got = committedLines(out);
      const counts = new Map<string, number>();
      for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
      const lost = expected(8000).filter((l) => !counts.has(l)).length;
      const duplicated = [...counts.values()].filter((c) => c > 1).length;
      expect({ lost, duplicated }).to.deep.equal({ lost: 0, duplicated: 0 });
      expect(got).to.deep.equal(expected(8000));
      const finished = files(out).filter((p) => !isHidden(p));
      for (const f of finished) expect(f).to.match(/^part-[0-9a-f-]{36}-[01]-\d+$/);
      const writers = new Set(finished.map((f) => f.slice('part-'.length, 'part-'.length + 36)));
      expect(writers.size, 'files of both attempts (each subtask attempt has its own uid) were committed').to.be.greaterThan(2);
    });
  }
});
