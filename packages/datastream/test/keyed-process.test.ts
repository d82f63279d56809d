import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  KeyedProcessFunction,
  MapStateDescriptor,
  ProcessFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type MapState,
  type ProcessFunctionContext,
  type ValueState,
} from '../src/index.js';

configureLogging({ level: 'error' });

const BOUND = 50;
const WINDOW = 100;
/** Source subtasks at p=4 each read a quarter of the indexes; the last quarter yields no events (an idle partition). */
const QUARTER = 400;

interface Event {
  key: string;
  ts: number;
  v: number;
}

/** Event i: out of order by at most BOUND (ts = 10i - d, 0 <= d <= BOUND); none for the last quarter. */
function eventOf(i: number): Event | undefined {
  if (i >= 3 * QUARTER) return undefined;
  return { key: `k${(i * 7) % 5}`, ts: 10 * i - ((i * 37) % (BOUND + 1)), v: i % 13 };
}

const windowEnd = (ts: number): number => Math.floor(ts / WINDOW) * WINDOW + WINDOW - 1;

/** [key, window end, sum of the window, how many windows of the key fired so far, timestamp of the record]. */
type Firing = [string, number, number, number, number | undefined];

/**
 * Sums values per key and tumbling window in a MapState (window end → sum), with an event-time timer
 * at each window's end; on firing it emits the window (found by iterating the map), and counts the
 * key's firings in a ValueState.
 */
class WindowSums extends KeyedProcessFunction<string, Event, Firing> {
  private sums!: MapState<number, number>;
  private fired!: ValueState<number>;

  override open(): void {
    this.sums = this.getRuntimeContext().getMapState(new MapStateDescriptor<number, number>('sums'));
    this.fired = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('fired', undefined, 0));
  }

  processElement(e: Event, ctx: KeyedProcessFunctionContext<string>): void {
    const end = windowEnd(e.ts);
    if (end <= ctx.timerService().currentWatermark()) throw new Error(`late event ${JSON.stringify(e)}`);
    this.sums.put(end, (this.sums.get(end) ?? 0) + e.v);
    ctx.timerService().registerEventTimeTimer(end);
  }

  override onTimer(timestamp: number, ctx: KeyedOnTimerContext<string>, out: Collector<Firing>): void {
    const due = [...this.sums.entries()].filter(([end]) => end <= timestamp);
    for (const [end, sum] of due) {
      this.fired.update(this.fired.value()! + 1);
      out.collect([ctx.getCurrentKey(), end, sum, this.fired.value()!, undefined]);
      this.sums.remove(end);
    }
  }
}

/** Records the timestamp each record carries (the firing timer's time). */
class StampTimestamp extends ProcessFunction<Firing, Firing> {
  processElement(f: Firing, ctx: ProcessFunctionContext, out: Collector<Firing>): void {
    out.collect([f[0], f[1], f[2], f[3], ctx.timestamp()]);
  }
}

/** The expected firings, computed from the sorted events without the engine. */
function expectedFirings(): Firing[] {
  const events: Event[] = [];
  for (let i = 0; i < 4 * QUARTER; i++) {
    const e = eventOf(i);
    if (e) events.push(e);
  }
  events.sort((a, b) => a.ts - b.ts);
  const sums = new Map<string, Map<number, number>>();
  for (const e of events) {
    const perKey = sums.get(e.key) ?? new Map<number, number>();
    sums.set(e.key, perKey);
    perKey.set(windowEnd(e.ts), (perKey.get(windowEnd(e.ts)) ?? 0) + e.v);
  }
  const out: Firing[] = [];
  for (const [key, perKey] of sums) {
    [...perKey.entries()].sort((a, b) => a[0] - b[0]).forEach(([end, sum], n) => out.push([key, end, sum, n + 1, end]));
  }
  return out;
}

const byKeyAndEnd = (a: Firing, b: Firing): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

async function runWindowSums(parallelism: number, mode: 'STREAMING' | 'BATCH'): Promise<Firing[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism).setRuntimeMode(mode);
  const result = await env
    .fromSequence(0, 4 * QUARTER - 1)
    .flatMap<Event>((i, out) => {
      const e = eventOf(i);
      if (e) out.collect(e);
    })
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<Event>(BOUND)
        .withTimestampAssigner((e) => e.ts)
        .withIdleness(20),
    )
    .shuffle()
    .map((e) => e)
    .keyBy((e) => e.key)
    .process(new WindowSums())
    .process(new StampTimestamp())
    .executeAndCollect();
  return result.sort(byKeyAndEnd);
}

describe('KeyedProcessFunction with keyed state and event-time timers', function () {
  this.timeout(60_000);
  const expected = expectedFirings().sort(byKeyAndEnd);

  it('the expected firings cover every key and window once', () => {
    expect(new Set(expected.map((f) => f[0])).size).to.equal(5);
    expect(expected.length).to.be.greaterThan(100);
  });

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    for (const p of [1, 4]) {
      it(`fires per-key window timers in order, with state, at p=${p} in ${mode} (idle partition at p=4, MAX watermark at the end)`, async () => {
        expect(await runWindowSums(p, mode)).to.deep.equal(expected);
      });
    }
  }
});
