import { expect } from 'chai';
import { AccessDeniedError, configureLogging, FileSystemError } from '@spindle/core';
import {
  BasePathBucketAssigner,
  DateTimeBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OutputFileConfig,
  SimpleStringEncoder,
  type RollingPolicy,
} from '../src/index.js';
import { SinkHarness } from './file-sink-harness.js';
import { committedLines, hiddenFiles, lines, rowSink } from './file-sink-test-support.js';
import { MemoryFileSystem } from './memory-file-system.js';

configureLogging({ level: 'error' });

type Coded = Error & { code?: string };

async function rejection(work: Promise<unknown>): Promise<Coded> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Coded,
  );
  expect(error, 'expected a failure').to.be.instanceOf(Error);
  return error!;
}

function thrown(run: () => unknown): Coded {
  try {
    run();
  } catch (e) {
    return e as Coded;
  }
  throw new Error('expected a failure');
}

describe('FileSink: end of input and failures', () => {
  let fs: MemoryFileSystem;
  let base: string;
  beforeEach(() => {
    ({ fs, root: base } = MemoryFileSystem.create());
    base = `${base}/out`;
  });

  for (const [what, runtimeMode, config] of [
    ['BATCH', 'BATCH', { 'execution.checkpointing.interval': '1 s' }],
    ['STREAMING without checkpointing', 'STREAMING', {}],
    [
      'STREAMING without checkpoints after tasks finish',
      'STREAMING',
      { 'execution.checkpointing.interval': '1 s', 'execution.checkpointing.checkpoints-after-tasks-finish': 'false' },
    ],
  ] as const) {
    it(`${what}: commits every file at the end of input`, async () => {
      const h = await SinkHarness.open(rowSink(base), { runtimeMode, config });
      h.elements(lines(1, 5));
      await h.finish();
      h.close();
      expect(committedLines(fs)).to.deep.equal(lines(1, 5));
      expect(hiddenFiles(fs).size).to.equal(0);
    });
  }

  it('STREAMING with checkpointing: the end of input closes every file, and the final checkpoint commits them', async () => {
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 3));
    await h.snapshot(1);
    h.elements(lines(4, 5));
    await h.finish();
    expect(committedLines(fs)).to.deep.equal([]);
    await h.snapshot(2);
    await h.complete(2);
    h.close();
    expect(committedLines(fs)).to.deep.equal(lines(1, 5));
    expect(hiddenFiles(fs).size).to.equal(0);
  });

  it('a part file that cannot be created fails the sink, naming it and the file, at once through a timer and at the next call', async () => {
    fs.failWith = (op, p) => (op === 'create' ? new AccessDeniedError(p) : undefined);
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 3)); // the first part file is complete (rolled) and written out
    await new Promise((resolve) => setImmediate(resolve)); // its create fails meanwhile
    const fromTimer = await rejection(h.advance(0));
    expect(fromTimer.message).to.match(
      new RegExp(`^FileSink to ${base}: cannot write part file ${base}/\\.part-.*\\.inprogress\\..*: Permission denied`),
    );
    expect(fromTimer.code).to.equal('FILE_SINK_IO');
    expect(thrown(() => h.element('more'))).to.equal(fromTimer);
    expect(await rejection(h.snapshot(1))).to.equal(fromTimer);
    h.close();
  });

  it('a failing write reaches the sink when the checkpoint makes the file durable', async () => {
    fs.failWith = (op) => (op === 'write' ? new FileSystemError('io', 'disk', 'No space left on device') : undefined);
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 1));
    const error = await rejection(h.snapshot(1));
    expect(error.message).to.contain(`FileSink to ${base}: cannot write part file`).and.contain('No space left on device');
  });

  it('a commit that cannot rename fails the notification, naming the file', async () => {
    fs.failWith = (op, p) => (op === 'rename' ? new AccessDeniedError(p) : undefined);
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 3));
    await h.snapshot(1);
    const error = await rejection(h.complete(1));
    expect(error.message).to.match(new RegExp(`^FileSink to ${base}: cannot commit part file ${base}/part-[^ ]+-0-0: Permission denied`));
  });

  it('an encoder that throws fails the element, naming the sink and the file', async () => {
    const sink = FileSink.forRowFormat<string>(base, {
      encode: (e) => {
        throw new RangeError(`cannot encode ${e}`);
      },
    }).build() as FileSink<unknown>;
    const h = await SinkHarness.open(sink);
    const error = thrown(() => h.element('x'));
    expect(error.message).to.match(
      new RegExp(
        `^FileSink to ${base}: the encoder failed on an element written to ${base}/.*\\.inprogress\\..*: RangeError: cannot encode x`,
      ),
    );
    expect(error.code).to.equal('FILE_SINK_ENCODER');
  });

  it('a bucket assigner that leaves the base path is refused', async () => {
    const sink = FileSink.forRowFormat(base, new SimpleStringEncoder())
      .withBucketAssigner({ getBucketId: () => '../elsewhere' })
      .build();
    const h = await SinkHarness.open(sink);
    expect(thrown(() => h.element('x')).message).to.equal(
      `FileSink to ${base}: the bucket assigner returned "../elsewhere": a bucket id is a relative path inside the base path`,
    );
  });

  it('an unknown file system scheme fails when the sink opens, naming the sink', async () => {
    const error = await rejection(SinkHarness.open(rowSink('nope://somewhere/out')));
    expect(error.message).to.match(
      /^FileSink to nope:\/\/somewhere\/out: cannot use nope:\/\/somewhere\/out: .*unknown file system scheme "nope:\/\/"/,
    );
  });

  it('refuses invalid settings when the sink is built, naming the setting or the sink', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => DefaultRollingPolicy.builder().withMaxPartSize(0),
        /^Invalid rolling policy: DefaultRollingPolicy.withMaxPartSize\(0\): expected a positive value/,
      ],
      [
        () => DefaultRollingPolicy.builder().withRolloverInterval('soon'),
        /^Invalid rolling policy: DefaultRollingPolicy.withRolloverInterval\("soon"\): is not a duration/,
      ],
      [() => DefaultRollingPolicy.builder().withInactivityInterval(-5), /withInactivityInterval\(-5\): expected a positive value/],
      [
        () => FileSink.forRowFormat('/data/out', new SimpleStringEncoder()).withRollingPolicy({} as RollingPolicy),
        /^FileSink to \/data\/out: the rolling policy must have shouldRollOnCheckpoint/,
      ],
      [
        () => FileSink.forRowFormat('/data/out', new SimpleStringEncoder()).withBucketCheckInterval(0),
        /^FileSink to \/data\/out: the bucket check interval must be a positive duration, got 0/,
      ],
      [() => FileSink.forRowFormat('', new SimpleStringEncoder()), /the base path must be a non-empty path/],
      [() => FileSink.forRowFormat('/data/out', {} as SimpleStringEncoder), /^FileSink to \/data\/out: the encoder must have an encode/],
      [() => OutputFileConfig.builder().withPartPrefix('a/b'), /the part prefix must be a string without path separators/],
      [() => new SimpleStringEncoder('EBCDIC'), /unsupported charset "EBCDIC"/],
      [() => new DateTimeBucketAssigner('yyyy-QQ'), /the unsupported letter 'Q'/],
      [() => new DateTimeBucketAssigner(undefined, 'Mars/Olympus_Mons'), /unknown time zone "Mars\/Olympus_Mons"/],
    ];
    for (const [run, message] of cases) expect(thrown(run).message).to.match(message);
    expect(thrown(() => DefaultRollingPolicy.builder().withMaxPartSize(0)).code).to.equal('INVALID_ROLLING_POLICY');
  });

  it('DefaultRollingPolicy has Flink’s defaults and takes sizes and durations as strings', () => {
    const defaults = DefaultRollingPolicy.builder().build();
    expect([defaults.getMaxPartSize(), defaults.getRolloverInterval(), defaults.getInactivityInterval()]).to.deep.equal([
      128 * 1024 * 1024,
      60_000,
      60_000,
    ]);
    const custom = DefaultRollingPolicy.builder()
      .withMaxPartSize('1 gb')
      .withRolloverInterval('15 min')
      .withInactivityInterval('5 min')
      .build();
    expect([custom.getMaxPartSize(), custom.getRolloverInterval(), custom.getInactivityInterval()]).to.deep.equal([
      1024 ** 3,
      15 * 60_000,
      5 * 60_000,
    ]);
    expect(new BasePathBucketAssigner().getBucketId()).to.equal('');
  });
});
