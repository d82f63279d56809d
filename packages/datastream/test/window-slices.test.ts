import { expect } from 'chai';
import { assignToKeyGroup, configureLogging, keyGroupRangeFor } from '@spindle/core';
import type { AbstractStreamOperator, OperatorStateSnapshot } from '@spindle/runtime';
import {
  EventTimeTrigger,
  OutputTag,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  type Collector,
  type ProcessWindowContext,
  type SingleOutputStreamOperator,
  type TimeWindow,
  type WindowAssigner,
} from '../src/index.js';
import { MAX_P, OperatorHarness } from './operator-harness.js';

configureLogging({ level: 'error' });

type Ev = { k: string; v: number };
type Contents = 'aggregate' | 'reduce' | 'list';
interface Case {
  size: number;
  slide: number;
  offset: number;
  lateness: number;
  contents: Contents;
}

const BOUND = 20;
/** Out of order by up to BOUND, and every 11th event 40-230 ms behind: late within and beyond the allowed lateness. */
const EVENTS: Array<[Ev, number]> = Array.from({ length: 700 }, (_, i) => [
  { k: `k${(i * 7) % 5}`, v: (i % 9) + 1 },
  2000 + 4 * i - (i % 11 === 10 ? 40 + ((i * 37) % 191) : (i * 3) % BOUND),
]);

/** The EventTimeTrigger's behaviour in a class of its own: the operator then keeps a namespace per window. */
class SameAsEventTimeTrigger extends EventTimeTrigger {}

/** key[start,end)=contents#n: n counts the window's firings in per-window state, which `clear` removes. */
class Describe extends ProcessWindowFunction<unknown, string, string, TimeWindow> {
  private readonly firings = new ValueStateDescriptor<number>('firings', undefined, 0);

  process(key: string, ctx: ProcessWindowContext<TimeWindow>, input: Iterable<unknown>, out: Collector<string>): void {
    const firings = ctx.windowState().getState(this.firings);
    firings.update(firings.value()! + 1);
    const w = ctx.window();
    const shown = [...input].map((x) => (typeof x === 'object' && x !== null && 'v' in x ? (x as Ev).v : JSON.stringify(x)));
    out.collect(`${key}[${w.start},${w.end})=${shown.join('+')}#${firings.value()}`);
  }

  override clear(ctx: ProcessWindowContext<TimeWindow>): void {
    ctx.windowState().getState(this.firings).clear();
  }
}

const sumCount = {
  createAccumulator: (): [number, number] => [0, 0],
  add: (e: Ev, [s, n]: [number, number]): [number, number] => [s + e.v, n + 1],
  getResult: (acc: [number, number]) => acc,
  merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]],
};

const late = new OutputTag<Ev>('late');

function assignerOf(c: Case): WindowAssigner<Ev, TimeWindow> {
  return c.size === c.slide ? TumblingEventTimeWindows.of<Ev>(c.size, c.offset) : SlidingEventTimeWindows.of<Ev>(c.size, c.slide, c.offset);
}

/** The window operator of the case; `perWindow` gives it a trigger that is not the default one (one namespace per window). */
function operatorOf(c: Case, perWindow: boolean): AbstractStreamOperator {
  let windowed = StreamExecutionEnvironment.createLocalEnvironment(1)
    .fromElements<Ev>()
    .keyBy((e) => e.k)
    .window(assignerOf(c))
    .allowedLateness(c.lateness)
    .sideOutputLateData(late);
  if (perWindow) windowed = windowed.trigger(new SameAsEventTimeTrigger());
  let result: SingleOutputStreamOperator<string>;
  if (c.contents === 'aggregate') result = windowed.aggregate(sumCount, new Describe());
  else if (c.contents === 'reduce') result = windowed.reduce((a, b) => ({ k: a.k, v: a.v + b.v }), new Describe());
  else result = windowed.process(new Describe());
  return result.transformation.createOperator() as AbstractStreamOperator;
}

interface Run {
  fired: string[];
  late: Ev[];
}

/** Feeds the events with a watermark of max - BOUND - 1 after each (none in BATCH), then the final watermark. */
async function run(c: Case, perWindow: boolean, mode: 'STREAMING' | 'BATCH' = 'STREAMING'): Promise<Run> {
  const h = await OperatorHarness.open(operatorOf(c, perWindow), {
    keySelector: (e) => (e as Ev).k,
    sideTags: ['late'],
    runtimeMode: mode,
  });
  let max = -Infinity;
  for (const [e, ts] of EVENTS) {
    h.element(e, ts);
    max = Math.max(max, ts);
    if (mode === 'STREAMING') h.watermark(max - BOUND - 1);
  }
  h.watermark(Number.MAX_SAFE_INTEGER);
  return { fired: h.values() as string[], late: h.side.get('late') as Ev[] };
}

/**
 * What Flink's window operator gives, computed directly: an element goes into each window containing it
 * that is not cleaned up (end - 1 + lateness > watermark) and fires it at once if the watermark passed
 * its end; a window fires when the watermark reaches its end - 1 (windows of the same end in the order
 * of their first element) and goes when it reaches end - 1 + lateness; an element in no kept window is late.
 */
function simulate(c: Case, batch = false): Run {
  type W = { k: string; start: number; end: number; values: number[]; firings: number; seq: number };
  const windows = new Map<string, W>();
  const fired: string[] = [];
  const lateOnes: Ev[] = [];
  let wm = -Infinity;
  let seq = 0;
  const show = (w: W): string => {
    const sum = w.values.reduce((a, b) => a + b, 0);
    const body =
      c.contents === 'aggregate' ? JSON.stringify([sum, w.values.length]) : c.contents === 'reduce' ? String(sum) : w.values.join('+');
    return `${w.k}[${w.start},${w.end})=${body}#${++w.firings}`;
  };
  const advance = (to: number) => {
    const due = [...windows.values()].filter((w) => w.end - 1 > wm && w.end - 1 <= to).sort((a, b) => a.end - b.end || a.seq - b.seq);
    for (const w of due) fired.push(show(w));
    for (const [id, w] of windows) if (w.end - 1 + c.lateness <= to) windows.delete(id);
    wm = to;
  };
  let max = -Infinity;
  for (const [e, ts] of EVENTS) {
    const lastStart = ts - ((((ts - c.offset) % c.slide) + c.slide) % c.slide);
    let added = false;
    for (let start = lastStart; start > ts - c.size; start -= c.slide) {
      const end = start + c.size;
      if (end - 1 + c.lateness <= wm) continue;
      added = true;
      const id = `${e.k}|${start}`;
      let w = windows.get(id);
      if (w === undefined) windows.set(id, (w = { k: e.k, start, end, values: [], firings: 0, seq: seq++ }));
      w.values.push(e.v);
      if (end - 1 <= wm) fired.push(show(w));
    }
    if (!added && ts + c.lateness <= wm) lateOnes.push(e);
    max = Math.max(max, ts);
    if (!batch && max - BOUND - 1 > wm) advance(max - BOUND - 1);
  }
  advance(Number.MAX_SAFE_INTEGER);
  return { fired, late: lateOnes };
}

const CASES: Case[] = [
  { size: 100, slide: 100, offset: 0, lateness: 0, contents: 'aggregate' },
  { size: 100, slide: 100, offset: 30, lateness: 50, contents: 'list' },
  { size: 100, slide: 100, offset: 0, lateness: 50, contents: 'reduce' },
  { size: 100, slide: 20, offset: 0, lateness: 0, contents: 'aggregate' },
  { size: 100, slide: 20, offset: 5, lateness: 60, contents: 'aggregate' },
  { size: 100, slide: 30, offset: 0, lateness: 45, contents: 'aggregate' },
  { size: 100, slide: 30, offset: 0, lateness: 45, contents: 'reduce' },
  { size: 40, slide: 70, offset: 10, lateness: 30, contents: 'aggregate' },
];

const label = (c: Case): string =>
  `${c.size === c.slide ? `tumbling ${c.size}` : `sliding ${c.size}/${c.slide}`}${c.offset ? ` offset ${c.offset}` : ''}, lateness ${c.lateness}, ${c.contents}`;

describe('window slices (event-time tumbling and sliding windows with the default trigger)', () => {
  it('the events have late ones within and beyond the allowed lateness', () => {
    const { fired, late: lateOnes } = simulate(CASES[4]!);
    expect(lateOnes.length).to.be.greaterThan(5);
    expect(fired.filter((f) => !f.endsWith('#1')).length, 'late firings').to.be.greaterThan(5);
  });

  for (const c of CASES) {
    it(`gives what a window per namespace gives and what direct computation gives: ${label(c)}`, async () => {
      const sliced = await run(c, false);
      const perWindow = await run(c, true);
      const expected = simulate(c);
      expect(sliced.fired).to.deep.equal(perWindow.fired);
      expect(sliced.late).to.deep.equal(perWindow.late);
      expect(sliced.fired).to.deep.equal(expected.fired);
      expect(sliced.late).to.deep.equal(expected.late);
    });
  }

  it('BATCH (no watermark before the end of input): every window fires once with all its elements', async () => {
    for (const c of [CASES[1]!, CASES[4]!]) {
      const sliced = await run(c, false, 'BATCH');
      const expected = simulate(c, true);
      expect(expected.late).to.deep.equal([]);
      expect(sliced.fired.slice().sort()).to.deep.equal(expected.fired.slice().sort());
      expect(sliced.late).to.deep.equal([]);
    }
  });

  it('restores slices and timers from two subtasks into three (rescaling) and ends as without the restore', async () => {
    for (const c of [CASES[4]!, CASES[2]!]) {
      const keyOf = (e: unknown) => (e as Ev).k;
      const open = (p: number, i: number, restoredParts?: OperatorStateSnapshot[]) =>
        OperatorHarness.open(operatorOf(c, false), {
          keySelector: keyOf,
          sideTags: ['late'],
          keyGroupRange: keyGroupRangeFor(MAX_P, p, i),
          ...(restoredParts ? { restoredParts } : {}),
        });
      const feed = (harnesses: OperatorHarness[], p: number, from: number, to: number, startMax: number): number => {
        let max = startMax;
        for (const [e, ts] of EVENTS.slice(from, to)) {
          const group = assignToKeyGroup(e.k, MAX_P);
          harnesses[
            harnesses.findIndex((_, i) => group >= keyGroupRangeFor(MAX_P, p, i).start && group <= keyGroupRangeFor(MAX_P, p, i).end)
          ]!.element(e, ts);
          max = Math.max(max, ts);
          for (const h of harnesses) h.watermark(max - BOUND - 1);
        }
        return max;
      };
      const half = EVENTS.length / 2;
      const before = [await open(2, 0), await open(2, 1)];
      const max = feed(before, 2, 0, half, -Infinity);
      const snapshots = await Promise.all(before.map((h) => h.snapshot()));
      const after = [await open(3, 0, snapshots), await open(3, 1, snapshots), await open(3, 2, snapshots)];
      // A restored operator starts without a watermark, as in Flink: the sources' watermark comes again first.
      for (const h of after) h.watermark(max - BOUND - 1);
      feed(after, 3, half, EVENTS.length, max);
      for (const h of after) h.watermark(Number.MAX_SAFE_INTEGER);
      const all = [...before, ...after];
      const expected = simulate(c);
      expect(all.flatMap((h) => h.values() as string[]).sort()).to.deep.equal(expected.fired.slice().sort());
      const byValue = (a: Ev, b: Ev) => a.k.localeCompare(b.k) || a.v - b.v;
      expect(all.flatMap((h) => h.side.get('late') as Ev[]).sort(byValue)).to.deep.equal(expected.late.slice().sort(byValue));
    }
  });
});
