import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { MiniCluster, taskMetricValues, type SourceStatus } from '@spindle/runtime';
import {
  OutputTag,
  ProcessWindowFunction,
  SingleOutputStreamOperator,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

type Ev = { k: string; v: number; ts: number };
type Fired = { k: string; start: number; sum: number; count: number };

const SIZE = 100;
const LATENESS = 50;
const BOUND = 20;

/** Mostly in order; every 9th event is 60–180 ms behind: some within the allowed lateness, some beyond. */
const EVENTS: Ev[] = Array.from({ length: 400 }, (_, i) => ({
  k: `k${i % 3}`,
  v: (i % 7) + 1,
  ts: 1000 + 5 * i - (i % 9 === 8 ? 60 + ((i * 17) % 121) : (i * 3) % BOUND),
}));

/**
 * What Flink's window operator does with these events, computed directly: a watermark of
 * `max - BOUND - 1` after every event; a window fires when the watermark reaches its end, again for
 * every element added within the allowed lateness, and is dropped once the watermark passes its
 * end plus the lateness; elements of dropped windows are late.
 */
function simulate(events: Ev[]): { fired: Fired[]; late: Ev[] } {
  const windows = new Map<string, { k: string; start: number; sum: number; count: number }>();
  const fired: Fired[] = [];
  const late: Ev[] = [];
  let wm = -Infinity;
  let max = -Infinity;
  const emit = (w: Fired) => fired.push({ ...w });
  const advance = (to: number) => {
    const due = [...windows.values()].sort((a, b) => a.start - b.start);
    for (const w of due) if (w.start + SIZE - 1 > wm && w.start + SIZE - 1 <= to) emit(w);
    for (const [id, w] of windows) if (w.start + SIZE - 1 + LATENESS <= to) windows.delete(id);
    wm = to;
  };
  for (const e of events) {
    const start = e.ts - (e.ts % SIZE);
    if (start + SIZE - 1 + LATENESS <= wm) late.push(e);
    else {
      const id = `${e.k}|${start}`;
      const w = windows.get(id) ?? { k: e.k, start, sum: 0, count: 0 };
      w.sum += e.v;
      w.count++;
      windows.set(id, w);
      if (start + SIZE - 1 <= wm) emit(w);
    }
    max = Math.max(max, e.ts);
    if (max - BOUND - 1 > wm) advance(max - BOUND - 1);
  }
  advance(Infinity);
  return { fired, late };
}

class Describe extends ProcessWindowFunction<[number, number], Fired, string, TimeWindow> {
  process(k: string, ctx: ProcessWindowContext<TimeWindow>, input: Iterable<[number, number]>, out: Collector<Fired>): void {
    for (const [sum, count] of input) out.collect({ k, start: ctx.window().start, sum, count });
  }
}

function punctuated(): WatermarkStrategy<Ev> {
  return WatermarkStrategy.forGenerator<Ev>(() => {
    let max = -Infinity;
    return {
      onEvent: (_e, ts, out) => {
        max = Math.max(max, ts);
        out.emitWatermark(max - BOUND - 1);
      },
      onPeriodicEmit: () => undefined,
    };
  }).withTimestampAssigner((e) => e.ts);
}

const lateTag = new OutputTag<Ev>('late-events');

function lateJob(env: StreamExecutionEnvironment, sideOutput: boolean): SingleOutputStreamOperator<Fired> {
  const windowed = env
    .fromCollection(EVENTS)
    .assignTimestampsAndWatermarks(punctuated())
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of<Ev>(SIZE))
    .allowedLateness(LATENESS);
  if (sideOutput) windowed.sideOutputLateData(lateTag);
  return windowed
    .aggregate(
      {
        createAccumulator: (): [number, number] => [0, 0],
        add: (e: Ev, [s, n]: [number, number]): [number, number] => [s + e.v, n + 1],
        getResult: (acc: [number, number]) => acc,
      },
      new Describe(),
    )
    .name('Late Windows');
}

const order = (a: unknown, b: unknown): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

describe('window jobs: late events', function () {
  this.timeout(120_000);
  const { fired, late } = simulate(EVENTS);

  it('the events have late ones within and beyond the allowed lateness', () => {
    expect(late.length).to.be.greaterThan(3);
    const lateFirings = fired.length - new Set(fired.map((f) => `${f.k}|${f.start}`)).size;
    expect(lateFirings).to.be.greaterThan(3);
  });

  it('fires again for events within the allowed lateness and sends the later ones to the side output', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const result = lateJob(env, true);
    const tagged = result
      .map((f): ['fired', Fired] => ['fired', f])
      .union(result.getSideOutput(lateTag).map((e): ['late', Ev] => ['late', e]) as never);
    const got = (await tagged.executeAndCollect()) as Array<['fired', Fired] | ['late', Ev]>;
    expect(got.filter(([t]) => t === 'fired').map(([, f]) => f)).to.deep.equal(fired);
    expect(got.filter(([t]) => t === 'late').map(([, e]) => e)).to.deep.equal(late);
  });

  it('counts dropped late events in the numLateRecordsDropped metric without a side output', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    lateJob(env, false).addSink(() => undefined);
    const cluster = new MiniCluster({ config: new Configuration(), numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const { jobGraph, program } = env.prepare('late events dropped');
      const result = await cluster.executeJob(jobGraph, { bundlePath: '', args: [] }, program);
      expect(result.status).to.equal('FINISHED');
      const job = cluster.dispatcher.archivedJob(jobGraph.jobId)!;
      const values = job.executions.flatMap((e) => Object.entries(e.metrics ? taskMetricValues(e.metrics) : {}));
      const dropped = values.filter(([name]) => name.endsWith('.numLateRecordsDropped'));
      expect(dropped).to.deep.equal([['Late Windows.numLateRecordsDropped', late.length]]);
    } finally {
      await cluster.close();
    }
  });
});

// ---- An idle source subtask (withIdleness) does not hold windows back ----

const IDLE_EVENTS: Ev[] = Array.from({ length: 300 }, (_, i) => ({ k: `k${i % 4}`, v: i % 5, ts: 2000 + 10 * i - ((i * 7) % 30) }));
/** Shared by the sources and the sink of one run (the test runs its slots in this thread). */
const idleRun = { fired: 0, firedWhileRunning: false, ended: 0 };

const later = (ms: number): Promise<SourceStatus> => new Promise((resolve) => setTimeout(() => resolve('more'), ms));

/**
 * Subtask 0 emits the events in small batches (so its watermark advances between them); subtask 1
 * emits nothing. Both stay until a window fired (at most 20 s): only the idleness of subtask 1
 * lets the watermark of the window operator advance before the end of input.
 */
class IdleSource extends AbstractSource {
  private next = 0;
  private deadline = 0;

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.ctx.subtaskIndex === 0 && this.next < IDLE_EVENTS.length) {
      for (const end = Math.min(this.next + 10, IDLE_EVENTS.length); this.next < end; this.next++) this.out.collect(IDLE_EVENTS[this.next]);
      return later(20);
    }
    this.deadline ||= Date.now() + 20_000;
    if (idleRun.fired > 0 && idleRun.ended === 0) idleRun.firedWhileRunning = true;
    if (idleRun.fired === 0 && Date.now() < this.deadline) return later(10);
    idleRun.ended++;
    return 'end';
  }
}

describe('window jobs: an idle source subtask', function () {
  this.timeout(60_000);

  it('windows fire while one source subtask has no data, once it is marked idle', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const source = env.addOperator({
      name: 'Idle Source',
      kind: 'source:test-idle',
      role: 'source',
      inputs: [],
      bounded: true,
      createOperator: () => new IdleSource(),
    });
    const sums = await new SingleOutputStreamOperator<Ev>(env, source)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(30)
          .withTimestampAssigner((e) => e.ts)
          .withIdleness(100),
      )
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of<Ev>(100))
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .map((e) => {
        idleRun.fired++;
        return e;
      })
      .executeAndCollect();
    expect(idleRun.firedWhileRunning).to.equal(true);
    const expected = new Map<string, number>();
    for (const e of IDLE_EVENTS) expected.set(`${e.k}|${e.ts - (e.ts % 100)}`, (expected.get(`${e.k}|${e.ts - (e.ts % 100)}`) ?? 0) + e.v);
    expect(sums.map((e) => [`${e.k}|${e.ts - (e.ts % 100)}`, e.v]).sort(order)).to.deep.equal([...expected].sort(order));
  });
});
