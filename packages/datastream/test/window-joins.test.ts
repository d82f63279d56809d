import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import {
  ProcessJoinFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type Collector,
  type DataStream,
  type ProcessJoinContext,
} from '../src/index.js';

configureLogging({ level: 'error' });

type A = { k: number; a: number; ts: number };
type B = { k: number; b: number; ts: number };
const BOUND = 25;
const AS: A[] = Array.from({ length: 300 }, (_, i) => ({ k: i % 7, a: i, ts: 10_000 + 6 * i - ((i * 11) % BOUND) }));
const BS: B[] = Array.from({ length: 200 }, (_, i) => ({ k: (i * 3) % 8, b: i, ts: 10_000 + 9 * i - ((i * 5) % BOUND) }));

function streams(p: number, mode: 'STREAMING' | 'BATCH' = 'STREAMING'): [DataStream<A>, DataStream<B>] {
  const env = StreamExecutionEnvironment.createLocalEnvironment(p).setRuntimeMode(mode);
  const as = env
    .fromCollection(AS)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<A>(BOUND).withTimestampAssigner((x) => x.ts));
  const bs = env
    .fromCollection(BS)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<B>(BOUND).withTimestampAssigner((x) => x.ts));
  return [as, bs];
}

const win = (ts: number): number => ts - (ts % 100);

class PairUp extends ProcessJoinFunction<A, B, string> {
  processElement(a: A, b: B, ctx: ProcessJoinContext, out: Collector<string>): void {
    if (ctx.getTimestamp() !== Math.max(a.ts, b.ts) || ctx.getLeftTimestamp() !== a.ts || ctx.getRightTimestamp() !== b.ts) {
      throw new Error('wrong timestamps in the join context');
    }
    out.collect(`${a.a}-${b.b}`);
  }
}

function intervalExpected(lower: number, upper: number): string[] {
  const out: string[] = [];
  for (const a of AS) for (const b of BS) if (a.k === b.k && b.ts >= a.ts + lower && b.ts <= a.ts + upper) out.push(`${a.a}-${b.b}`);
  return out.sort();
}

describe('stream joins: results equal the joins computed directly', function () {
  this.timeout(120_000);

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    it(`window join: pairs with equal keys in the same tumbling window (p=2, ${mode})`, async () => {
      const [as, bs] = streams(2, mode);
      const got = await as
        .join(bs)
        .where((x) => x.k)
        .equalTo((y) => y.k)
        .window(TumblingEventTimeWindows.of(100))
        .apply((x: A, y: B) => `${x.a}-${y.b}`)
        .executeAndCollect();
      const expected: string[] = [];
      for (const a of AS) for (const b of BS) if (a.k === b.k && win(a.ts) === win(b.ts)) expected.push(`${a.a}-${b.b}`);
      expect(expected.length).to.be.greaterThan(50);
      expect(got.sort()).to.deep.equal(expected.sort());
    });
  }

  it('window coGroup: both sides of every key and window, either side possibly empty (a full outer join)', async () => {
    const [as, bs] = streams(2);
    const got = await as
      .coGroup(bs)
      .where('k')
      .equalTo('k')
      .window(TumblingEventTimeWindows.of(100))
      .apply((xs: Iterable<A>, ys: Iterable<B>, out: Collector<string>) => {
        const la = [...xs];
        const lb = [...ys];
        const any = la[0] ?? lb[0]!;
        out.collect(`${any.k}@${win(any.ts)}:${la.length}/${lb.length}`);
      })
      .executeAndCollect();
    const counts = new Map<string, [number, number]>();
    for (const a of AS) {
      const id = `${a.k}@${win(a.ts)}`;
      counts.set(id, [(counts.get(id)?.[0] ?? 0) + 1, counts.get(id)?.[1] ?? 0]);
    }
    for (const b of BS) {
      const id = `${b.k}@${win(b.ts)}`;
      counts.set(id, [counts.get(id)?.[0] ?? 0, (counts.get(id)?.[1] ?? 0) + 1]);
    }
    const expected = [...counts].map(([id, [x, y]]) => `${id}:${x}/${y}`);
    expect(expected.some((s) => s.endsWith('/0')) && expected.some((s) => s.includes(':0/'))).to.equal(true);
    expect(got.sort()).to.deep.equal(expected.sort());
  });

  for (const [p, mode] of [
    [1, 'STREAMING'],
    [3, 'STREAMING'],
    [3, 'BATCH'],
  ] as const) {
    it(`interval join: b.ts in [a.ts - 20, a.ts + 30] (p=${p}, ${mode})`, async () => {
      const [as, bs] = streams(p, mode);
      const got = await as
        .keyBy((x) => x.k)
        .intervalJoin(bs.keyBy((y) => y.k))
        .between(-20, 30)
        .process(new PairUp())
        .executeAndCollect();
      expect(got.length).to.be.greaterThan(50);
      expect(got.sort()).to.deep.equal(intervalExpected(-20, 30));
    });
  }

  it('interval join with exclusive bounds: b.ts in (a.ts, a.ts + 18)', async () => {
    const [as, bs] = streams(2);
    const got = await as
      .keyBy((x) => x.k)
      .intervalJoin(bs.keyBy((y) => y.k))
      .between(0, 18)
      .lowerBoundExclusive()
      .upperBoundExclusive()
      .process(new PairUp())
      .executeAndCollect();
    expect(got.sort()).to.deep.equal(intervalExpected(1, 17));
    expect(intervalExpected(0, 18).length).to.be.greaterThan(got.length);
  });
});
