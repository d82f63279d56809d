import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { AbstractStreamOperator, type SourceStatus } from '@spindle/runtime';
import {
  ProcessWindowFunction,
  SingleOutputStreamOperator,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  TumblingProcessingTimeWindows,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '@spindle/datastream';

configureLogging({ level: 'error' });

type Ev = { id: number; k: number; createdAt: number };
type Fired = { kind: string; k: number; start: number; end: number; ids: number[]; assignedBefore: boolean };

const N = 300;
const SIZE = 200;
/** Shared by the source and the window functions of one run (the test runs its slots in this thread). */
const run = { seen: 0, expected: 0 };

/**
 * Emits N events over about 1.5 s of the real clock (10 every 50 ms), each stamped with the time it
 * was made, then stays until every window fired (at most 30 s): in STREAMING, processing-time
 * windows still open when the input ends are not fired.
 */
class ClockedSource extends AbstractStreamOperator {
  readonly isSource = true;
  private next = 0;
  private deadline = 0;

  processElement(): void {}

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.next < N) {
      for (const end = Math.min(this.next + 10, N); this.next < end; this.next++) {
        this.out.collect({ id: this.next, k: this.next % 3, createdAt: Date.now() } satisfies Ev);
      }
      return new Promise((resolve) => setTimeout(() => resolve('more'), 50));
    }
    this.deadline ||= Date.now() + 30_000;
    if (run.seen < run.expected && Date.now() < this.deadline) return new Promise((resolve) => setTimeout(() => resolve('more'), 20));
    return 'end';
  }
}

/** Lists a window's ids, and whether every element was made before the window ended (it was assigned by the clock then). */
class Describe extends ProcessWindowFunction<Ev, Fired, number, TimeWindow> {
  constructor(private readonly kind: string) {
    super();
  }

  process(k: number, ctx: ProcessWindowContext<TimeWindow>, events: Iterable<Ev>, out: Collector<Fired>): void {
    const w = ctx.window();
    const list = [...events];
    run.seen += list.length;
    out.collect({
      kind: this.kind,
      k,
      start: w.start,
      end: w.end,
      ids: list.map((e) => e.id).sort((a, b) => a - b),
      assignedBefore: list.every((e) => e.createdAt < w.end),
    });
  }
}

describe('processing-time windows under the real clock', function () {
  this.timeout(90_000);

  it('puts every element into its tumbling window and its two sliding windows, once each', async () => {
    run.seen = 0;
    run.expected = 3 * N;
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const t = env.addOperator({
      name: 'Clocked Source',
      kind: 'source:test-clocked',
      role: 'source',
      inputs: [],
      bounded: true,
      maxSourceParallelism: 1,
      createOperator: () => new ClockedSource(),
    });
    const events = new SingleOutputStreamOperator<Ev>(env, t).setParallelism(1);
    const tumbling = events
      .keyBy((e) => e.k)
      .window(TumblingProcessingTimeWindows.of<Ev>(SIZE))
      .process(new Describe('tumbling'));
    const sliding = events
      .keyBy((e) => e.k)
      .window(SlidingProcessingTimeWindows.of<Ev>(2 * SIZE, SIZE))
      .process(new Describe('sliding'));
    const fired = await tumbling.union(sliding).executeAndCollect();

    for (const f of fired) {
      expect(f.end - f.start, JSON.stringify(f)).to.equal(f.kind === 'tumbling' ? SIZE : 2 * SIZE);
      expect(f.start % SIZE, JSON.stringify(f)).to.equal(0);
      expect(f.assignedBefore, JSON.stringify(f)).to.equal(true);
      for (const id of f.ids) expect(id % 3).to.equal(f.k);
    }
    const all = Array.from({ length: N }, (_, i) => i);
    const tumblingIds = fired.filter((f) => f.kind === 'tumbling').flatMap((f) => f.ids);
    expect(tumblingIds.sort((a, b) => a - b)).to.deep.equal(all);
    // Each element is in two sliding windows, SIZE apart (both windows that contain the time it was assigned at).
    const slidingOf = new Map<number, number[]>();
    for (const f of fired.filter((x) => x.kind === 'sliding'))
      for (const id of f.ids) slidingOf.set(id, [...(slidingOf.get(id) ?? []), f.start]);
    for (const id of all) {
      const starts = (slidingOf.get(id) ?? []).sort((a, b) => a - b);
      expect(starts, `sliding windows of ${id}`).to.have.length(2);
      expect(starts[1]! - starts[0]!, `sliding windows of ${id}`).to.equal(SIZE);
    }
  });
});
