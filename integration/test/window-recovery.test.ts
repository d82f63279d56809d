import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { RichMapFunction, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from '@spindle/datastream';
import { CommittingSink, committedLines } from './jobs/checkpoint-verification-job.js';

configureLogging({ level: 'error' });

const KEYS = 7;
const SIZE = 500;

/** Throws once, in the first attempt, after `failAfter` records. */
class FailOnce extends RichMapFunction<number, number> {
  private seen = 0;

  constructor(private readonly failAfter: number) {
    super();
  }

  map(value: number): number {
    if (this.getRuntimeContext().getAttemptNumber() === 0 && ++this.seen === this.failAfter) throw new Error('injected failure');
    return value;
  }
}

/** One line per key and window: `<key> <window start> <count> <sum>`, computed directly. */
function expectedWindows(n: number): string[] {
  const windows = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const id = `${i % KEYS} ${i - (i % SIZE)}`;
    const [c, s] = windows.get(id) ?? [0, 0];
    windows.set(id, [c + 1, s + i]);
  }
  return [...windows].map(([id, [c, s]]) => `${id} ${c} ${s}`).sort();
}

describe('window state and timers across a restart from a checkpoint (in-process cluster)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-windows-cp-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every window fires exactly once with all its elements after a failure', async () => {
    const n = 8000;
    const output = path.join(dir, 'out');
    const env = StreamExecutionEnvironment.getExecutionEnvironment({
      'execution.checkpointing.interval': '200 ms',
      'execution.checkpointing.dir': path.join(dir, 'checkpoints'),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '3',
      'restart-strategy.fixed-delay.delay': '100 ms',
    }).setParallelism(2);
    env
      .fromDataGenerator((i) => i, { count: n, recordsPerSecond: 4000 })
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i))
      .map(new FailOnce(1500))
      .keyBy((i) => i % KEYS)
      .window(TumblingEventTimeWindows.of<number>(SIZE))
      .aggregate(
        {
          createAccumulator: (): [number, number] => [0, 0],
          add: (i: number, [c, s]: [number, number]): [number, number] => [c + 1, s + i],
          getResult: (acc: [number, number]) => acc,
        },
        (key: number, window, results: Iterable<[number, number]>, out) => {
          for (const [c, s] of results) out.collect(`${key} ${window.start} ${c} ${s}`);
        },
      )
      .addSink(new CommittingSink(output), 'Committing Sink');
    await env.execute('windows with a restart');
    expect(committedLines(output)).to.deep.equal(expectedWindows(n));
  });
});
