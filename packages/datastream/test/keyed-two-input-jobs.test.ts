import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import type { SourceStatus } from '@spindle/runtime';
import {
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  OutputTag,
  ProcessFunction,
  SingleOutputStreamOperator,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type ListState,
  type ProcessFunctionContext,
  type ValueState,
} from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

// ---- A join of rates (input 1) and amounts (input 2) on their key, in event time ----

type Rate = { key: string; rate: number; ts: number };
type Amount = { key: string; amount: number; ts: number };
type Out =
  | { kind: 'joined'; key: string; ts: number; value: number }
  | { kind: 'total'; key: string; total: number }
  | { kind: 'no-rate'; key: string; amount: number };

const END = 100_000;
const AMOUNTS = 600;
const RATE_KEYS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13];
const rateOf = (k: number): number => ((k * 7) % 11) + 1;
const RATES: Rate[] = RATE_KEYS.map((k) => ({ key: `k${k}`, rate: rateOf(k), ts: k * 10 }));
/** Amount i: keys k0..k12 (k11 and k12 have no rate), out of order by up to 600 ms. */
const amountOf = (i: number): Amount => ({ key: `k${(i * 5) % 13}`, amount: (i % 17) + 1, ts: 1000 + ((i * 37) % 600) });
const noRate = new OutputTag<Out>('no-rate');

/** Input 1 stores the key's rate; input 2 waits in ListState for the watermark to pass its time, then looks the rate up. */
class RateJoin extends KeyedCoProcessFunction<string, Rate, Amount, Out> {
  private rate!: ValueState<number>;
  private total!: ValueState<number>;
  private pending!: ListState<Amount>;

  override open(): void {
    const rc = this.getRuntimeContext();
    this.rate = rc.getState(new ValueStateDescriptor<number>('rate'));
    this.total = rc.getState(new ValueStateDescriptor<number>('total', undefined, 0));
    this.pending = rc.getListState(new ListStateDescriptor<Amount>('pending'));
  }

  processElement1(r: Rate, ctx: KeyedCoProcessContext<string>): void {
    if (ctx.getCurrentKey() !== r.key) throw new Error(`current key ${ctx.getCurrentKey()} for ${r.key}`);
    this.rate.update(r.rate);
    ctx.timerService().registerEventTimeTimer(END);
  }

  processElement2(a: Amount, ctx: KeyedCoProcessContext<string>): void {
    if (ctx.getCurrentKey() !== a.key) throw new Error(`current key ${ctx.getCurrentKey()} for ${a.key}`);
    this.pending.add(a);
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()!);
    ctx.timerService().registerEventTimeTimer(END);
  }

  override onTimer(t: number, ctx: KeyedCoOnTimerContext<string>, out: Collector<Out>): void {
    const key = ctx.getCurrentKey();
    if (t === END) {
      out.collect({ kind: 'total', key, total: this.total.value()! });
      return;
    }
    const rate = this.rate.value();
    const keep: Amount[] = [];
    for (const a of this.pending.get()) {
      if (a.ts > t) keep.push(a);
      else if (rate === undefined || rate === null) ctx.output(noRate, { kind: 'no-rate', key, amount: a.amount });
      else {
        out.collect({ kind: 'joined', key, ts: a.ts, value: a.amount * rate });
        this.total.update(this.total.value()! + a.amount * rate);
      }
    }
    this.pending.update(keep);
  }
}

/** Pairs each record with its timestamp. */
class Stamp extends ProcessFunction<Out, [Out, number | undefined]> {
  processElement(v: Out, ctx: ProcessFunctionContext, out: Collector<[Out, number | undefined]>): void {
    out.collect([v, ctx.timestamp()]);
  }
}

/** The join computed directly. */
function expectedJoin(): Array<[Out, number | undefined]> {
  const rates = new Map(RATES.map((r) => [r.key, r.rate]));
  const totals = new Map<string, number>(RATES.map((r) => [r.key, 0]));
  const out: Array<[Out, number | undefined]> = [];
  for (let i = 0; i < AMOUNTS; i++) {
    const a = amountOf(i);
    const rate = rates.get(a.key);
    if (rate === undefined) {
      out.push([{ kind: 'no-rate', key: a.key, amount: a.amount }, a.ts]);
      totals.set(a.key, totals.get(a.key) ?? 0);
    } else {
      out.push([{ kind: 'joined', key: a.key, ts: a.ts, value: a.amount * rate }, a.ts]);
      totals.set(a.key, totals.get(a.key)! + a.amount * rate);
    }
  }
  for (const [key, total] of totals) out.push([{ kind: 'total', key, total }, END]);
  return out;
}

const order = (x: [Out, number | undefined], y: [Out, number | undefined]): number => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1);

async function runJoin(parallelism: number, mode: 'STREAMING' | 'BATCH'): Promise<Array<[Out, number | undefined]>> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism).setRuntimeMode(mode);
  const rates = env
    .fromCollection(RATES)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Rate>().withTimestampAssigner((r) => r.ts));
  const amounts = env
    .fromSequence(0, AMOUNTS - 1)
    .map((i) => amountOf(i))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Amount>(600).withTimestampAssigner((a) => a.ts));
  const joined = rates
    .connect(amounts)
    .keyBy(
      (r) => r.key,
      (a) => a.key,
    )
    .process<Out>(new RateJoin())
    .name('Rate Join');
  return (await joined.union(joined.getSideOutput(noRate)).process(new Stamp()).executeAndCollect()).sort(order);
}

describe('KeyedCoProcessFunction jobs: keyed state and event-time timers over two keyed inputs', function () {
  this.timeout(120_000);
  const expected = expectedJoin().sort(order);

  it('the expected result has joined records, records without a rate and a total per key', () => {
    expect(expected.filter(([o]) => o.kind === 'no-rate').length).to.be.greaterThan(0);
    expect(expected.filter(([o]) => o.kind === 'total').length).to.equal(14);
  });

  for (const [p, mode] of [
    [1, 'STREAMING'],
    [4, 'STREAMING'],
    [4, 'BATCH'],
  ] as const) {
    it(`joins rates and amounts per key as computed directly (p=${p}, ${mode})`, async () => {
      expect(await runJoin(p, mode)).to.deep.equal(expected);
    });
  }

  it('fails a job whose CoProcessFunction sets a timer on non-keyed streams, naming the operator', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 3)
      .connect(env.fromSequence(4, 6))
      .process<number>({
        processElement1: (v, ctx) => ctx.timerService().registerEventTimeTimer(v),
        processElement2: (v, ctx) => ctx.timerService().registerEventTimeTimer(v),
      })
      .name('Timed Join')
      .print();
    const error = await env.execute().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.include(
      'Timed Join (1/1) failed: Timed Join: Setting timers is only supported on a keyed streams.',
    );
  });
});

// ---- A keyed broadcast job: a broadcast 'reset' clears every key's count (applyToKeyedState) ----

const P = 3;
const KEYS = 7;
const PHASE1 = 60;
const PHASE2 = 40;
/** Phase 1 records use keys k0..k6, phase 2 only k0..k4. */
const keyOfRecord = (i: number): string => (i < PHASE1 ? `k${i % KEYS}` : `k${i % 5}`);

/** Shared by the sources and the function of one run (the test runs its slots in this thread). */
const run = { phase1Seen: 0, resetsSeen: 0 };

/** Emits phase 1, waits until every subtask processed the reset (bounded: 10 s), then emits phase 2. */
class PhasedSource extends AbstractSource {
  private next = 0;
  private deadline = 0;

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.next < PHASE1) {
      while (this.next < PHASE1) this.out.collect(this.next++);
      return 'more';
    }
    if (this.deadline === 0) this.deadline = Date.now() + 10_000;
    if (run.resetsSeen < P && Date.now() < this.deadline) return new Promise((resolve) => setTimeout(() => resolve('more'), 2));
    while (this.next < PHASE1 + PHASE2) this.out.collect(this.next++);
    return 'end';
  }
}

/** Emits 'reset' once every phase 1 record was processed (bounded: 10 s). */
class ResetSource extends AbstractSource {
  private deadline = 0;

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.deadline === 0) this.deadline = Date.now() + 10_000;
    if (run.phase1Seen < PHASE1 && Date.now() < this.deadline) return new Promise((resolve) => setTimeout(() => resolve('more'), 2));
    this.out.collect('reset');
    return 'end';
  }
}

type CountOut =
  { kind: 'reset'; key: string; before: number } | { kind: 'final'; key: string; count: number | null } | { kind: 'cmd'; cmd: string };
const counts = new ValueStateDescriptor<number>('count');
const commands = new MapStateDescriptor<string, number>('commands');
const resets = new OutputTag<CountOut>('resets');

class CountWithReset extends KeyedBroadcastProcessFunction<string, number, string, CountOut> {
  processElement(i: number, ctx: KeyedBroadcastReadOnlyContext<string>): void {
    if (ctx.getCurrentKey() !== keyOfRecord(i)) throw new Error(`current key ${ctx.getCurrentKey()} for record ${i}`);
    const count = this.getRuntimeContext().getState(counts);
    count.update((count.value() ?? 0) + 1);
    if (i < PHASE1) run.phase1Seen++;
    ctx.timerService().registerEventTimeTimer(10);
  }

  processBroadcastElement(cmd: string, ctx: KeyedBroadcastContext, out: Collector<CountOut>): void {
    ctx.getBroadcastState(commands).put(cmd, (ctx.getBroadcastState(commands).get(cmd) ?? 0) + 1);
    ctx.applyToKeyedState(counts, (key, state: ValueState<number>) => {
      ctx.output(resets, { kind: 'reset', key: key as string, before: state.value()! });
      state.clear();
    });
    out.collect({ kind: 'cmd', cmd });
    run.resetsSeen++;
  }

  override onTimer(_t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<CountOut>): void {
    if (ctx.getBroadcastState(commands).get('reset') !== 1) throw new Error('the reset is not in the broadcast state');
    out.collect({ kind: 'final', key: ctx.getCurrentKey(), count: this.getRuntimeContext().getState(counts).value() ?? null });
  }
}

describe('KeyedBroadcastProcessFunction job: applyToKeyedState from a broadcast element', function () {
  this.timeout(120_000);

  it('a broadcast reset clears the counts of every key on every subtask; later records count from zero (p=3)', async () => {
    run.phase1Seen = 0;
    run.resetsSeen = 0;
    const env = StreamExecutionEnvironment.createLocalEnvironment(P);
    const source = (name: string, create: () => AbstractSource) =>
      env.addOperator({
        name,
        kind: `source:test-${name}`,
        role: 'source',
        inputs: [],
        bounded: true,
        createOperator: create,
        maxSourceParallelism: 1,
      });
    const data = new SingleOutputStreamOperator<number>(
      env,
      source('Phased', () => new PhasedSource()),
    );
    const cmds = new SingleOutputStreamOperator<string>(
      env,
      source('Resets', () => new ResetSource()),
    ).broadcast(commands);
    const result = data.keyBy(keyOfRecord).connect(cmds).process<CountOut>(new CountWithReset());
    const out = await result.union(result.getSideOutput(resets)).executeAndCollect();

    const phase1 = new Map<string, number>();
    const phase2 = new Map<string, number>();
    for (let i = 0; i < PHASE1 + PHASE2; i++) {
      const m = i < PHASE1 ? phase1 : phase2;
      m.set(keyOfRecord(i), (m.get(keyOfRecord(i)) ?? 0) + 1);
    }
    const byKey = (a: CountOut, b: CountOut): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(out.filter((o) => o.kind === 'cmd')).to.deep.equal(Array.from({ length: P }, () => ({ kind: 'cmd', cmd: 'reset' })));
    expect(out.filter((o) => o.kind === 'reset').sort(byKey)).to.deep.equal(
      [...phase1].map(([key, before]): CountOut => ({ kind: 'reset', key, before })).sort(byKey),
    );
    expect(out.filter((o) => o.kind === 'final').sort(byKey)).to.deep.equal(
      [...phase1.keys()].map((key): CountOut => ({ kind: 'final', key, count: phase2.get(key) ?? null })).sort(byKey),
    );
  });
});
