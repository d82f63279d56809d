import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SpindleError, configureLogging } from '@spindle/core';
import { EndOfStreamWindows, JoinHint, Order, StreamExecutionEnvironment, type DataStream } from '../src/index.js';

configureLogging({ level: 'warn' });

type Row = [number, string];

/** Rows whose keys repeat: key i % keys, with a payload long enough to make the sorters spill. */
function rows(n: number, keys: number, tag: string): Row[] {
  return Array.from({ length: n }, (_, i) => [(i * 7919) % keys, `${tag}${i}-${'p'.repeat(20)}`]);
}

describe('batch operations on bounded streams (small managed memory, spilling)', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-ops-'));
  });
  afterEach(() => {
    // Every spill file was removed by the operators that wrote it.
    expect(fs.readdirSync(tmp)).to.deep.equal([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function env(p = 2): StreamExecutionEnvironment {
    return StreamExecutionEnvironment.createLocalEnvironment(p, {
      'execution.runtime-mode': 'BATCH',
      'taskmanager.memory.managed.size': '256kb',
      'io.tmp.dirs': tmp,
    });
  }

  async function collect<T>(stream: DataStream<T>): Promise<{ records: T[]; accumulators: Record<string, unknown> }> {
    const name = `collect-${stream.transformation.id}`;
    const records: T[] = [];
    stream.addSink((r) => void records.push(r));
    const result = await stream.env.execute(name);
    return { records, accumulators: result.getAllAccumulatorResults() };
  }

  function spilled(acc: Record<string, unknown>, operator: string): number {
    return Number(acc[`${operator}.spilledBytes`] ?? 0);
  }

  it('keyed sum in BATCH spills and equals a Map count', async () => {
    const data = rows(20_000, 5_000, 'k');
    const e = env();
    const out = await e
      .fromCollection(data)
      .map(([k]) => [`key-${k}-${'x'.repeat(30)}`, 1] as [string, number])
      .keyBy(0)
      .sum(1)
      .name('Counter')
      .executeAndCollect();
    const expected = new Map<string, number>();
    for (const [k] of data) expected.set(`key-${k}-${'x'.repeat(30)}`, (expected.get(`key-${k}-${'x'.repeat(30)}`) ?? 0) + 1);
    expect(new Map(out)).to.deep.equal(expected);
    expect(out).to.have.length(expected.size);
  });

  it('sortPartition sorts each partition, spilling, like Array.sort', async () => {
    const data = rows(20_000, 1_000_000, 's');
    const { records, accumulators } = await collect(
      env(1).fromCollection(data).fullWindowPartition().sortPartition(0, Order.DESCENDING).name('Sort'),
    );
    expect(records.map((r) => r[0])).to.deep.equal(data.map((r) => r[0]).sort((a, b) => b - a));
    expect(spilled(accumulators, 'Sort')).to.be.greaterThan(0);
  });

  it('keyed sortPartition sorts within each key, mapPartition sees every record once', async () => {
    const data = rows(5_000, 10, 'm');
    const sorted = await env()
      .fromCollection(data)
      .keyBy((r) => r[0])
      .fullWindowPartition()
      .sortPartition((r) => r[1], Order.ASCENDING)
      .executeAndCollect();
    const byKey = new Map<number, string[]>();
    for (const [k, v] of sorted) byKey.set(k, [...(byKey.get(k) ?? []), v]);
    for (const [k, vs] of byKey) {
      const expected = data.filter((r) => r[0] === k).map((r) => r[1]);
      expect(vs).to.deep.equal(expected.sort());
    }
    const sizes = await env()
      .fromCollection(data)
      .keyBy((r) => r[0])
      .fullWindowPartition()
      .mapPartition<[number, number]>((values, out) => {
        let n = 0;
        let key = -1;
        for (const [k] of values) {
          n++;
          key = k;
        }
        out.collect([key, n]);
      })
      .executeAndCollect();
    expect(sizes.sort((a, b) => a[0] - b[0])).to.deep.equal(Array.from({ length: 10 }, (_, k) => [k, 500]));
    const total = await env(2)
      .fromCollection(data)
      .fullWindowPartition()
      .mapPartition<number>((values, out) => out.collect([...values].length))
      .executeAndCollect();
    expect(total.reduce((a, b) => a + b, 0)).to.equal(data.length);
  });

  it('fullWindowPartition reduce and aggregate, whole partition and per key', async () => {
    const data = rows(3_000, 7, 'r');
    const sum = await env(1)
      .fromCollection(data.map((r) => r[0]))
      .fullWindowPartition()
      .reduce((a, b) => a + b)
      .executeAndCollect();
    expect(sum).to.deep.equal([data.reduce((a, r) => a + r[0], 0)]);
    const counts = await env()
      .fromCollection(data)
      .keyBy((r) => r[0])
      .fullWindowPartition()
      .aggregate({
        createAccumulator: () => [-1, 0] as [number, number],
        add: (r: Row, acc: [number, number]) => [r[0], acc[1] + 1] as [number, number],
        getResult: (acc: [number, number]) => acc,
      })
      .executeAndCollect();
    const expected = new Map<number, number>();
    for (const [k] of data) expected.set(k, (expected.get(k) ?? 0) + 1);
    expect(new Map(counts)).to.deep.equal(expected);
  });

  const joinCases = [
    ['join', 'INNER'],
    ['leftOuterJoin', 'LEFT_OUTER'],
    ['rightOuterJoin', 'RIGHT_OUTER'],
    ['fullOuterJoin', 'FULL_OUTER'],
  ] as const;
  const hints = [
    JoinHint.REPARTITION_SORT_MERGE,
    JoinHint.REPARTITION_HASH_FIRST,
    JoinHint.OPTIMIZER_CHOOSES,
    JoinHint.BROADCAST_HASH_SECOND,
  ];

  for (const [method, type] of joinCases) {
    for (const hint of hints) {
      if (hint === JoinHint.BROADCAST_HASH_SECOND && (type === 'RIGHT_OUTER' || type === 'FULL_OUTER')) continue;
      it(`${method} with ${hint} equals a nested-loop join`, async () => {
        const left = rows(4_000, 1_000, 'l');
        const right = rows(3_000, 1_500, 'r').map(([k, v]) => [k + 300, v] as Row);
        const e = env();
        const input = e.fromCollection(left);
        const joined = input[method](e.fromCollection(right), hint)
          .where((r) => r[0])
          .equalTo((r) => r[0])
          .window(EndOfStreamWindows.get())
          .apply((a, b) => `${a?.[1] ?? '-'}|${b?.[1] ?? '-'}`)
          .name('J');
        const { records, accumulators } = await collect(joined);
        expect(records.sort()).to.deep.equal(nestedLoop(left, right, type).sort());
        if (hint === JoinHint.REPARTITION_SORT_MERGE) expect(spilled(accumulators, 'J')).to.be.greaterThan(0);
      });
    }
  }

  it('a hash join reads its build input first: a large probe input is joined as it comes, without spilling', async () => {
    const orders = rows(30_000, 500, 'o');
    const customers = rows(300, 300, 'c');
    const e = env();
    const joined = e
      .fromCollection(orders)
      .join(e.fromCollection(customers), JoinHint.REPARTITION_HASH_SECOND)
      .where((r) => r[0])
      .equalTo((r) => r[0])
      .window(EndOfStreamWindows.get())
      .apply((a, b) => `${a[1]}|${b[1]}`)
      .name('J');
    const { records, accumulators } = await collect(joined);
    expect(records.sort()).to.deep.equal(nestedLoop(orders, customers, 'INNER').sort());
    // The probe records (about 1.4 MB, several times the managed memory) were never buffered.
    expect(spilled(accumulators, 'J')).to.equal(0);
  });

  it('hash and sort-merge joins equate keys as the key codec does: -0 is 0, NaN is one key, "1" is not 1', async () => {
    type K = [unknown, string];
    const left: K[] = [
      [0, 'a'],
      [-0, 'b'],
      [NaN, 'c'],
      ['1', 'd'],
      [1, 'e'],
      [2, 'f'],
      [[1, 'x'], 'g'],
    ];
    const right: K[] = [
      [-0, 'x'],
      [NaN, 'y'],
      [1, 'z'],
      ['1', 'w'],
      [3, 'v'],
      [[1, 'x'], 'u'],
    ];
    const expected = ['a|x', 'b|x', 'c|y', 'd|w', 'e|z', 'f|-', '-|v', 'g|u'].sort();
    for (const hint of [JoinHint.REPARTITION_HASH_FIRST, JoinHint.REPARTITION_HASH_SECOND, JoinHint.REPARTITION_SORT_MERGE]) {
      const e = env();
      const joined = e
        .fromCollection(left)
        .fullOuterJoin(e.fromCollection(right), hint)
        .where((r) => r[0])
        .equalTo((r) => r[0])
        .window(EndOfStreamWindows.get())
        .apply((a, b) => `${a?.[1] ?? '-'}|${b?.[1] ?? '-'}`);
      expect((await collect(joined)).records.sort(), hint).to.deep.equal(expected);
    }
  });

  it('coGroup gives each key the records of both inputs', async () => {
    const left = rows(2_000, 300, 'l');
    const right = rows(1_000, 500, 'r');
    const e = env();
    const out = await e
      .fromCollection(left)
      .coGroup(e.fromCollection(right))
      .where(0)
      .equalTo(0)
      .window(EndOfStreamWindows.get())
      .apply<string>((a, b, collector) => {
        const as = [...a];
        const bs = [...b];
        collector.collect(`${(as[0] ?? bs[0])![0]}:${as.length}:${bs.length}`);
      })
      .executeAndCollect();
    const keys = new Set([...left, ...right].map((r) => r[0]));
    const expected = [...keys].map((k) => `${k}:${left.filter((r) => r[0] === k).length}:${right.filter((r) => r[0] === k).length}`);
    expect(out.sort()).to.deep.equal(expected.sort());
  });

  it('distinct and first(n), whole stream and per key', async () => {
    const data = rows(4_000, 900, 'd').map(([k]) => [k % 300, 'same'] as Row);
    const distinct = await env().fromCollection(data).distinct().executeAndCollect();
    expect(distinct.map((r) => r[0]).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
    const byField = await env()
      .fromCollection(rows(1_000, 50, 'f'))
      .distinct(0)
      .executeAndCollect();
    expect(byField).to.have.length(50);
    const first = await env().fromCollection(data).first(7).executeAndCollect();
    expect(first).to.have.length(7);
    const perKey = await env()
      .fromCollection(rows(1_000, 10, 'g'))
      .keyBy(0)
      .first(3)
      .executeAndCollect();
    expect(perKey).to.have.length(30);
    for (let k = 0; k < 10; k++) expect(perKey.filter((r) => r[0] === k)).to.have.length(3);
  });

  it('a job failing while a sort emits its spilled output leaves no spill files', async () => {
    const e = env(1);
    let seen = 0;
    e.fromCollection(rows(20_000, 1_000_000, 'f'))
      .fullWindowPartition()
      .sortPartition(0, Order.ASCENDING)
      .map((r) => {
        if (++seen === 5_000) throw new Error('boom after 5000 sorted records');
        return r;
      })
      .addSink(() => undefined);
    let failure: unknown;
    await e.execute('failing').catch((err: unknown) => (failure = err));
    expect(String(failure)).to.contain('boom after 5000 sorted records');
    expect(seen).to.equal(5_000);
  });

  it('fails at build time in STREAMING, and rejects broadcasting the outer side', async () => {
    const e = StreamExecutionEnvironment.createLocalEnvironment(1, { 'execution.runtime-mode': 'STREAMING' });
    e.fromCollection([1, 2])
      .fullWindowPartition()
      .reduce((a, b) => a + b)
      .print();
    let failure: unknown;
    await e.execute('x').catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(SpindleError);
    expect((failure as Error).message)
      .to.contain('fullWindowPartition().reduce')
      .and.contain('BATCH');
    const b = env();
    expect(() => b.fromCollection([1]).leftOuterJoin(b.fromCollection([2]), JoinHint.BROADCAST_HASH_FIRST)).to.throw(
      /outer side of a join cannot be broadcast/,
    );
  });
});

function nestedLoop(left: Row[], right: Row[], type: string): string[] {
  const out: string[] = [];
  const matchedRight = new Set<number>();
  for (const l of left) {
    let matched = false;
    right.forEach((r, i) => {
      if (r[0] !== l[0]) return;
      matched = true;
      matchedRight.add(i);
      out.push(`${l[1]}|${r[1]}`);
    });
    if (!matched && (type === 'LEFT_OUTER' || type === 'FULL_OUTER')) out.push(`${l[1]}|-`);
  }
  if (type === 'RIGHT_OUTER' || type === 'FULL_OUTER') right.forEach((r, i) => !matchedRight.has(i) && out.push(`-|${r[1]}`));
  return out;
}
