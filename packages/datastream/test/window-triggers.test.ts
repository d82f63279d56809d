import { expect } from 'chai';
import { SpindleError, configureLogging } from '@spindle/core';
import {
  ContinuousEventTimeTrigger,
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  ProcessWindowFunction,
  PurgingTrigger,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TimeEvictor,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
  type TriggerContext,
  type Window,
  type WindowedStream,
} from '../src/index.js';

configureLogging({ level: 'error' });

type Ev = { k: string; v: number; ts: number };
const BOUND = 15;
const EVENTS: Ev[] = Array.from({ length: 240 }, (_, i) => ({
  k: `k${i % 3}`,
  v: ((i * 5) % 13) + 1,
  ts: 1000 + 4 * i - ((i * 7) % BOUND),
}));
const startOf = (ts: number, size: number): number => ts - (ts % size);

/** Watermarks after every event, so results depend on the events' order only (p=1). */
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

function keyed() {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  return env
    .fromCollection(EVENTS)
    .assignTimestampsAndWatermarks(punctuated())
    .keyBy((e) => e.k);
}

/** The events keyed at p=2 straight from the (single) collection source: each key's order is kept. */
function keyedInOrder() {
  return StreamExecutionEnvironment.createLocalEnvironment(2)
    .fromCollection(EVENTS)
    .keyBy((e) => e.k);
}

/** Lists a window's values as `key@start:v1,v2,...` (GlobalWindow: start 0). */
class ListValues<W extends Window> extends ProcessWindowFunction<Ev, string, string, W> {
  process(k: string, ctx: ProcessWindowContext<W>, events: Iterable<Ev>, out: Collector<string>): void {
    const w = ctx.window() as Window;
    const start = 'start' in w ? (w as TimeWindow).start : 0;
    out.collect(`${k}@${start}:${[...events].map((e) => e.v).join(',')}`);
  }
}

/** Per key (and window of `size`, when given), the events in arrival order. */
function groups(size?: number): Map<string, Ev[]> {
  const out = new Map<string, Ev[]>();
  for (const e of EVENTS) {
    const id = `${e.k}@${size === undefined ? 0 : startOf(e.ts, size)}`;
    out.set(id, [...(out.get(id) ?? []), e]);
  }
  return out;
}

const line = (id: string, events: Ev[]): string => `${id}:${events.map((e) => e.v).join(',')}`;
const sorted = (xs: string[]): string[] => [...xs].sort();

/** Fires at every element of value 10 or more, and fires and purges at the end of the window. */
class HighValueTrigger extends Trigger<Ev, TimeWindow> {
  onElement(e: Ev, _ts: number | undefined, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return e.v >= 10 ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: TimeWindow): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
}

async function listed<W extends Window>(windowed: WindowedStream<Ev, string, W>): Promise<string[]> {
  return sorted(await windowed.process(new ListValues<W>()).executeAndCollect());
}

describe('count windows, triggers and evictors', function () {
  this.timeout(120_000);

  it('countWindow(3) sums every 3 elements of a key; countWindow(4, 2) gives the last 4 every 2', async () => {
    const sums = await keyedInOrder()
      .countWindow(3)
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .executeAndCollect();
    const expectedSums: string[] = [];
    for (const [id, evs] of groups())
      for (let i = 3; i <= evs.length; i += 3) expectedSums.push(`${id}:${evs.slice(i - 3, i).reduce((s, e) => s + e.v, 0)}`);
    expect(sorted(sums.map((e) => `${e.k}@0:${e.v}`))).to.deep.equal(sorted(expectedSums));

    const sliding = await listed(keyedInOrder().countWindow(4, 2));
    const expectedSliding: string[] = [];
    for (const [id, evs] of groups())
      for (let i = 2; i <= evs.length; i += 2) expectedSliding.push(line(id, evs.slice(Math.max(0, i - 4), i)));
    expect(sliding).to.deep.equal(sorted(expectedSliding));
  });

  it('countWindowAll(5) sums every 5 elements of the stream (in one subtask)', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sums = await env
      .fromCollection(EVENTS)
      .countWindowAll(5)
      .reduce((a, b) => ({ ...a, v: a.v + b.v }))
      .executeAndCollect();
    const expected: number[] = [];
    for (let i = 5; i <= EVENTS.length; i += 5) expected.push(EVENTS.slice(i - 5, i).reduce((s, e) => s + e.v, 0));
    // The sink runs at p=2: compare as sets, the window operator's order is not the sink's.
    expect(sums.map((e) => e.v).sort((a, b) => a - b)).to.deep.equal(expected.sort((a, b) => a - b));
  });

  it('CountTrigger and PurgingTrigger replace the event-time trigger of tumbling windows', async () => {
    const running = await listed(keyed().window(TumblingEventTimeWindows.of<Ev>(100)).trigger(CountTrigger.of(2)));
    const purging = await listed(
      keyed()
        .window(TumblingEventTimeWindows.of<Ev>(100))
        .trigger(PurgingTrigger.of(CountTrigger.of<Ev>(2))),
    );
    const expectedRunning: string[] = [];
    const expectedPurging: string[] = [];
    for (const [id, evs] of groups(100)) {
      for (let i = 2; i <= evs.length; i += 2) {
        expectedRunning.push(line(id, evs.slice(0, i)));
        expectedPurging.push(line(id, evs.slice(i - 2, i)));
      }
    }
    expect(running).to.deep.equal(sorted(expectedRunning));
    expect(purging).to.deep.equal(sorted(expectedPurging));
  });

  it('a user Trigger fires on high values and fires and purges at the end of the window', async () => {
    const got = await listed(keyed().window(TumblingEventTimeWindows.of<Ev>(100)).trigger(new HighValueTrigger()));
    const expected: string[] = [];
    for (const [id, evs] of groups(100)) {
      evs.forEach((e, i) => {
        if (e.v >= 10) expected.push(line(id, evs.slice(0, i + 1)));
      });
      expected.push(line(id, evs));
    }
    expect(got).to.deep.equal(sorted(expected));
  });

  it('ContinuousEventTimeTrigger fires growing partial results and the whole window at its end', async () => {
    const got = await keyed()
      .window(TumblingEventTimeWindows.of<Ev>(400))
      .trigger(ContinuousEventTimeTrigger.of(100))
      .reduce((a, b) => ({ ...a, v: a.v + b.v }), new ListValues<TimeWindow>())
      .executeAndCollect();
    for (const [id, evs] of groups(400)) {
      const firings = got.filter((s) => s.startsWith(`${id}:`)).map((s) => Number(s.slice(id.length + 1)));
      const total = evs.reduce((s, e) => s + e.v, 0);
      expect(firings.length, id).to.be.greaterThan(1);
      expect(firings[firings.length - 1], id).to.equal(total);
      expect(
        [...firings].sort((a, b) => a - b),
        id,
      ).to.deep.equal(firings);
    }
  });

  it('CountEvictor, TimeEvictor and DeltaEvictor remove elements before the window function', async () => {
    const count = await listed(keyed().window(TumblingEventTimeWindows.of<Ev>(100)).evictor(CountEvictor.of(2)));
    const time = await listed(keyed().window(TumblingEventTimeWindows.of<Ev>(100)).evictor(TimeEvictor.of(30)));
    const delta = await listed(
      keyed()
        .window(TumblingEventTimeWindows.of<Ev>(100))
        .evictor(DeltaEvictor.of<Ev>(4, (a, b) => Math.abs(a.v - b.v))),
    );
    const after = await listed(keyed().window(TumblingEventTimeWindows.of<Ev>(100)).evictor(CountEvictor.of(2, true)));
    const all = [...groups(100)];
    expect(count).to.deep.equal(sorted(all.map(([id, evs]) => line(id, evs.slice(-2)))));
    expect(after).to.deep.equal(sorted(all.map(([id, evs]) => line(id, evs))));
    const maxTs = (evs: Ev[]) => Math.max(...evs.map((e) => e.ts));
    expect(time).to.deep.equal(
      sorted(
        all.map(([id, evs]) =>
          line(
            id,
            evs.filter((e) => e.ts >= maxTs(evs) - 30),
          ),
        ),
      ),
    );
    expect(delta).to.deep.equal(
      sorted(
        all.map(([id, evs]) =>
          line(
            id,
            evs.filter((e) => Math.abs(e.v - evs[evs.length - 1]!.v) < 4),
          ),
        ),
      ),
    );
  });
});

describe('windows and joins defined with bad arguments', () => {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  const stream = env.fromCollection(EVENTS);
  const cases: Array<[string, () => unknown, string]> = [
    ['a zero window size', () => TumblingEventTimeWindows.of(0), 'the size must be a positive number of milliseconds, got 0'],
    ['a negative window size', () => TumblingProcessingTimeWindows.of(-5), 'the size must be a positive number of milliseconds, got -5'],
    ['a zero slide', () => SlidingEventTimeWindows.of(100, 0), 'the slide must be a positive number of milliseconds, got 0'],
    ['an offset equal to the slide', () => SlidingEventTimeWindows.of(100, 30, 30), 'abs(offset) < slide; got offset 30 with slide 30'],
    ['an offset of minus the size', () => TumblingEventTimeWindows.of(100, -100), 'abs(offset) < size; got offset -100 with size 100'],
    ['a zero session gap', () => EventTimeSessionWindows.withGap(0), 'the session gap must be a positive number of milliseconds'],
    [
      'negative allowed lateness',
      () =>
        stream
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of<Ev>(10))
          .allowedLateness(-1),
      'the allowed lateness cannot be negative (got -1)',
    ],
    [
      'an interval join with lower > upper',
      () =>
        stream
          .keyBy((e) => e.k)
          .intervalJoin(stream.keyBy((e) => e.k))
          .between(10, 5),
      'the lower bound (10) must not be greater than the upper bound (5)',
    ],
    [
      'a trigger that cannot merge on session windows',
      () =>
        stream
          .keyBy((e) => e.k)
          .window(EventTimeSessionWindows.withGap<Ev>(10))
          .trigger(new HighValueTrigger()),
      'the trigger does not support merging',
    ],
  ];
  for (const [what, build, message] of cases) {
    it(`rejects ${what} when the job is built`, () => {
      let error: unknown;
      try {
        build();
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(SpindleError);
      expect((error as SpindleError).code).to.equal('INVALID_WINDOW');
      expect((error as SpindleError).message).to.include(message);
    });
  }

  it('rejects setParallelism above 1 on a windowAll operator when the job is built', () => {
    const all = stream.windowAll(TumblingEventTimeWindows.of<Ev>(10)).reduce((a) => a);
    expect(() => all.setParallelism(2)).to.throw(SpindleError, /^The parallelism of non parallel operator must be 1\..*windowAll/);
    expect(all.setParallelism(1).transformation.parallelism).to.equal(1);
    expect(
      stream
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of<Ev>(10))
        .reduce((a) => a)
        .setParallelism(2).transformation.parallelism,
    ).to.equal(2);
  });
});
