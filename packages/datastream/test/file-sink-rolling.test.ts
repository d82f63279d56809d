import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  BasePathBucketAssigner,
  DateTimeBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OnCheckpointRollingPolicy,
  SimpleStringEncoder,
} from '../src/index.js';
import { SinkHarness } from './file-sink-harness.js';
import { finishedFiles, hiddenFiles, line, lines, rowSink } from './file-sink-test-support.js';
import { MemoryFileSystem } from './memory-file-system.js';

configureLogging({ level: 'error' });

/** Contents of the finished files, in the order their part counters give. */
function parts(fs: MemoryFileSystem, dir = '/out'): string[] {
  return [...finishedFiles(fs, dir)].sort(([a], [b]) => counter(a) - counter(b)).map(([, content]) => content);
}

const counter = (name: string): number => Number(/-(\d+)$/.exec(name)?.[1]);

const text = (...ls: string[]): string => ls.map((l) => `${l}\n`).join('');

describe('FileSink: rolling policies and buckets, on a manual clock', () => {
  let fs: MemoryFileSystem;
  let base: string;
  beforeEach(() => {
    ({ fs, root: base } = MemoryFileSystem.create());
    base = `${base}/out`;
  });

  /** Commits everything written so far through one checkpoint. */
  async function commit(h: SinkHarness, id: number): Promise<void> {
    await h.finish();
    await h.snapshot(id);
    await h.complete(id);
  }

  it('rolls by size: a part file closes before the first element written after it exceeds the maximum part size', async () => {
    const h = await SinkHarness.open(rowSink(base, DefaultRollingPolicy.builder().withMaxPartSize(16).build()));
    h.elements(lines(1, 5)); // 8 bytes each: a file takes 3 lines (16 is not above 16, 24 is)
    await commit(h, 1);
    expect(parts(fs)).to.deep.equal([text(...lines(1, 3)), text(...lines(4, 5))]);
  });

  it('rolls by size at a checkpoint: a file above the maximum part size is committed by it, a smaller one stays in progress', async () => {
    const h = await SinkHarness.open(rowSink(base, DefaultRollingPolicy.builder().withMaxPartSize('12b').build()));
    h.element(line(1));
    await h.snapshot(1);
    await h.complete(1);
    expect(parts(fs)).to.deep.equal([]);
    h.element(line(2)); // 16 bytes: above 12
    await h.snapshot(2);
    await h.complete(2);
    expect(parts(fs)).to.deep.equal([text(line(1), line(2))]);
  });

  it('rolls by rollover interval: a file older than the interval closes at the next bucket check', async () => {
    const policy = DefaultRollingPolicy.builder().withRolloverInterval(1000).withInactivityInterval('1 h').build();
    const sink = FileSink.forRowFormat(base, new SimpleStringEncoder())
      .withBucketAssigner(new BasePathBucketAssigner())
      .withRollingPolicy(policy)
      .withBucketCheckInterval(100)
      .build();
    const h = await SinkHarness.open(sink);
    h.element(line(1)); // opened at t0
    await h.advance(600);
    h.element(line(2));
    await h.advance(350); // t0 + 950: not yet 1000 old
    h.element(line(3));
    await h.advance(100); // the check at t0 + 1000 rolls it
    h.element(line(4));
    await h.snapshot(1);
    await h.complete(1);
    expect(parts(fs)).to.deep.equal([text(...lines(1, 3))]);
    expect([...hiddenFiles(fs).values()]).to.deep.equal([text(line(4))]);
  });

  it('rolls by inactivity: a file not written to for the interval closes at the next bucket check', async () => {
    const policy = DefaultRollingPolicy.builder().withInactivityInterval(300).withRolloverInterval('1 h').build();
    const h = await SinkHarness.open(rowSink(base, policy));
    h.element(line(1));
    await h.advance(250);
    h.element(line(2)); // written at 250: inactive from 550
    await h.advance(250); // 500: still active
    h.element(line(3)); // written at 500
    await h.advance(60_000); // the default check interval: inactive since 800
    h.element(line(4));
    await commit(h, 1);
    expect(parts(fs)).to.deep.equal([text(...lines(1, 3)), text(line(4))]);
  });

  it('OnCheckpointRollingPolicy: each checkpoint commits whole files and nothing stays in progress', async () => {
    const h = await SinkHarness.open(rowSink(base, OnCheckpointRollingPolicy.build()));
    h.elements(lines(1, 2));
    await h.advance(10 * 60_000);
    await h.snapshot(1);
    h.elements(lines(3, 4));
    await h.snapshot(2);
    expect(hiddenFiles(fs).size).to.equal(2);
    await h.complete(2);
    expect(parts(fs)).to.deep.equal([text(...lines(1, 2)), text(...lines(3, 4))]);
    expect(hiddenFiles(fs).size).to.equal(0);
  });

  it('DateTimeBucketAssigner puts elements into hourly directories of the processing time, yyyy-MM-dd--HH by default', async () => {
    const sink = FileSink.forRowFormat(base, new SimpleStringEncoder())
      .withBucketAssigner(new DateTimeBucketAssigner(undefined, 'UTC'))
      .build();
    const h = await SinkHarness.open(sink); // 1_700_000_000_000 is 2023-11-14 22:13:20 UTC
    h.element('a');
    await h.advance(47 * 60_000); // 23:00:20
    h.element('b');
    await commit(h, 1);
    const files = [...finishedFiles(fs)].map(([name, content]) => [name.split('/')[0], content]);
    expect(files).to.deep.equal([
      ['2023-11-14--22', 'a\n'],
      ['2023-11-14--23', 'b\n'],
    ]);
  });

  it('a custom bucket assigner chooses the sub-directory of each element', async () => {
    const sink = FileSink.forRowFormat<{ country: string; n: number }>(base, new SimpleStringEncoder())
      .withBucketAssigner({ getBucketId: (e) => `country=${e.country}` })
      .build() as FileSink<unknown>;
    const h = await SinkHarness.open(sink);
    h.elements([
      { country: 'fr', n: 1 },
      { country: 'de', n: 2 },
      { country: 'fr', n: 3 },
    ]);
    await commit(h, 1);
    const files = [...finishedFiles(fs)].map(([name, content]) => [name.split('/')[0], content]);
    expect(files).to.deep.equal([
      ['country=de', '{"country":"de","n":2}\n'],
      ['country=fr', '{"country":"fr","n":1}\n{"country":"fr","n":3}\n'],
    ]);
  });
});
