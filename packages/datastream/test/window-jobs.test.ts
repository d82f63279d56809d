import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  EventTimeSessionWindows,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type AggregateFunction,
  type Collector,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
} from '../src/index.js';

configureLogging({ level: 'error' });

type Ev = { k: string; v: number; ts: number };
type Row = { k: string; start: number; end: number; value: number };

const N = 600;
const BOUND = 40;
/** Events out of order by up to BOUND ms: none is late for a watermark lagging BOUND behind. */
const EVENTS: Ev[] = Array.from({ length: N }, (_, i) => ({
  k: `k${(i * 7) % 5}`,
  v: (i % 11) + 1,
  ts: 1000 + 7 * i - ((i * 13) % BOUND),
}));

/** Adds the window's key and bounds to the reduced or aggregated value. */
class WithWindow extends ProcessWindowFunction<number, Row, string, TimeWindow> {
  process(k: string, ctx: ProcessWindowContext<TimeWindow>, values: Iterable<number>, out: Collector<Row>): void {
    for (const value of values) out.collect({ k, start: ctx.window().start, end: ctx.window().end, value });
  }
}

/** Adds the window's key and bounds to a reduced event. */
class EventWithWindow extends ProcessWindowFunction<Ev, Row, string, TimeWindow> {
  process(k: string, ctx: ProcessWindowContext<TimeWindow>, events: Iterable<Ev>, out: Collector<Row>): void {
    for (const e of events) out.collect({ k, start: ctx.window().start, end: ctx.window().end, value: e.v });
  }
}

/** Sums the values of a session (all elements, no incremental aggregation). */
class SessionSum extends ProcessWindowFunction<Ev, Row, string, TimeWindow> {
  process(k: string, ctx: ProcessWindowContext<TimeWindow>, events: Iterable<Ev>, out: Collector<Row>): void {
    let value = 0;
    for (const e of events) value += e.v;
    out.collect({ k, start: ctx.window().start, end: ctx.window().end, value });
  }
}

const average: AggregateFunction<Ev, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (e, [s, n]) => [s + e.v, n + 1],
  getResult: ([s, n]) => Math.round((s / n) * 1000) / 1000,
  merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
};

const byRow = (a: Row, b: Row): number => a.k.localeCompare(b.k) || a.start - b.start || a.end - b.end || a.value - b.value;

// ---- The answers, computed directly ----

function windowsOf(ts: number, size: number, slide: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = ts - (((ts % slide) + slide) % slide); start > ts - size; start -= slide) out.push([start, start + size]);
  return out;
}

function slidingExpected(events: Ev[], size: number, slide: number, fold: (vs: number[]) => number): Row[] {
  const groups = new Map<string, number[]>();
  for (const e of events) {
    for (const [s, en] of windowsOf(e.ts, size, slide)) {
      const id = `${e.k}|${s}|${en}`;
      groups.set(id, [...(groups.get(id) ?? []), e.v]);
    }
  }
  return [...groups].map(([id, vs]) => {
    const [k, s, en] = id.split('|');
    return { k: k!, start: Number(s), end: Number(en), value: fold(vs) };
  });
}

function sessionsExpected(events: Ev[], gapOf: (e: Ev) => number): Row[] {
  const out: Row[] = [];
  for (const k of new Set(events.map((e) => e.k))) {
    const sorted = events.filter((e) => e.k === k).sort((a, b) => a.ts - b.ts);
    let cur: Row | undefined;
    for (const e of sorted) {
      const end = e.ts + gapOf(e);
      if (cur !== undefined && e.ts <= cur.end) {
        cur.end = Math.max(cur.end, end);
        cur.value += e.v;
      } else {
        if (cur) out.push(cur);
        cur = { k, start: e.ts, end, value: e.v };
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

const sum = (vs: number[]): number => vs.reduce((a, b) => a + b, 0);
const avg = (vs: number[]): number => Math.round((sum(vs) / vs.length) * 1000) / 1000;
const dynamicGap = (e: Ev): number => 10 + (e.v % 3) * 10;

// ---- The jobs ----

/**
 * Bounded out-of-orderness with a watermark after every event (not periodically), so which
 * events are late depends on their order only.
 */
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

/** The events with timestamps and bounded-out-of-orderness watermarks; at p>1 shuffled to p subtasks first. */
function source(env: StreamExecutionEnvironment, events: Ev[], p: number): DataStream<Ev> {
  const base = env.fromCollection(events);
  const spread =
    p > 1
      ? base
          .shuffle()
          .map((e) => e)
          .setParallelism(p)
      : base;
  const strategy = p === 1 ? punctuated() : WatermarkStrategy.forBoundedOutOfOrderness<Ev>(BOUND).withTimestampAssigner((e) => e.ts);
  return spread.assignTimestampsAndWatermarks(strategy);
}

type Kind = 'tumbling' | 'sliding' | 'session' | 'dynamic-session';

function windowed(env: StreamExecutionEnvironment, events: Ev[], p: number, kind: Kind): DataStream<Row> {
  const keyed = source(env, events, p).keyBy((e) => e.k);
  switch (kind) {
    case 'tumbling':
      return keyed.window(TumblingEventTimeWindows.of<Ev>(100)).reduce((a, b) => ({ ...a, v: a.v + b.v }), new EventWithWindow());
    case 'sliding':
      return keyed.window(SlidingEventTimeWindows.of<Ev>(100, 30)).aggregate(average, new WithWindow());
    case 'session':
      return keyed.window(EventTimeSessionWindows.withGap<Ev>(25)).process(new SessionSum());
    case 'dynamic-session':
      return keyed.window(EventTimeSessionWindows.withDynamicGap<Ev>(dynamicGap)).process(new SessionSum());
  }
}

function expected(kind: Kind, events: Ev[]): Row[] {
  switch (kind) {
    case 'tumbling':
      return slidingExpected(events, 100, 100, sum);
    case 'sliding':
      return slidingExpected(events, 100, 30, avg);
    case 'session':
      return sessionsExpected(events, () => 25);
    case 'dynamic-session':
      return sessionsExpected(events, dynamicGap);
  }
}

async function run(kind: Kind, p: number, mode: 'STREAMING' | 'BATCH' = 'STREAMING', events = EVENTS): Promise<Row[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(p).setRuntimeMode(mode);
  return (await windowed(env, events, p, kind).executeAndCollect()).sort(byRow);
}

describe('window jobs: results equal the windows computed directly', function () {
  this.timeout(120_000);

  it('the events are out of order and sessions merge', () => {
    const outOfOrder = EVENTS.filter((e, i) => i > 0 && e.ts < EVENTS[i - 1]!.ts).length;
    expect(outOfOrder).to.be.greaterThan(N / 4);
    expect(sessionsExpected(EVENTS, () => 25).length).to.be.lessThan(N);
  });

  for (const kind of ['tumbling', 'sliding', 'session', 'dynamic-session'] as const) {
    for (const p of [1, 4]) {
      it(`${kind} windows in event time (p=${p}${p > 1 ? ', after a shuffle' : ''})`, async () => {
        expect(await run(kind, p)).to.deep.equal(expected(kind, EVENTS).sort(byRow));
      });
    }
  }

  it('in BATCH the same jobs give the windows of every event, late ones included (nothing is late when input is sorted by time)', async () => {
    // Events far behind the others: late for any watermark in STREAMING.
    const withLate = [...EVENTS, { k: 'k1', v: 100, ts: 1010 }, { k: 'k2', v: 200, ts: 1500 }, { k: 'k9', v: 300, ts: 1200 }];
    for (const kind of ['tumbling', 'session'] as const) {
      expect(await run(kind, 2, 'BATCH', withLate)).to.deep.equal(expected(kind, withLate).sort(byRow));
    }
    const streaming = await run('tumbling', 1, 'STREAMING', withLate);
    expect(streaming).to.deep.equal(expected('tumbling', EVENTS).sort(byRow));
  });
});
