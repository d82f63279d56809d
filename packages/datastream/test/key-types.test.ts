import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'warn' });

/**
 * Every key type keyBy accepts, through a real job: partitioning (p=2) and keyed state (p=1 and
 * p=2, STREAMING and BATCH with its combiner) must agree on which keys are equal. Each record
 * carries the id of the group the test means it to belong to, so the expected answer is known
 * without the engine's notion of key equality.
 */
type Row = [key: unknown, count: number, group: number];

/** Key families: `keyOf(i)` returns a fresh key object for record i; records with equal `groupOf(i)` have equal keys. */
const FAMILIES: Record<string, { keyOf: (i: number) => unknown; groupOf: (i: number) => number }> = {
  strings: { keyOf: (i) => `w${i % 7}`, groupOf: (i) => i % 7 },
  numbers: {
    keyOf: (i) => [i % 2 === 0 ? 0 : -0, 1.5, 3, Number('3.0'), NaN, 0 / 0, Infinity][i % 7],
    groupOf: (i) => [0, 1, 2, 2, 3, 3, 4][i % 7]!,
  },
  bigints: { keyOf: (i) => BigInt(i % 4) * 10n ** 20n, groupOf: (i) => i % 4 },
  booleans: { keyOf: (i) => i % 3 === 0, groupOf: (i) => (i % 3 === 0 ? 1 : 0) },
  tuples: { keyOf: (i) => [i % 3, `k${i % 2}`], groupOf: (i) => (i % 3) * 2 + (i % 2) },
  'nested tuples with bigints and dates': {
    keyOf: (i) => [BigInt(i % 2), [new Date(1000 * (i % 3)), i % 2 === 0]],
    groupOf: (i) => (i % 2) * 3 + (i % 3),
  },
  'plain objects in any key order': {
    keyOf: (i) => (i % 2 === 0 ? { a: i % 3, b: { x: 'y', z: [1] } } : { b: { z: [1], x: 'y' }, a: i % 3 }),
    groupOf: (i) => i % 3,
  },
  'null and undefined apart': {
    keyOf: (i) => [[null], [undefined], null, undefined][i % 4],
    groupOf: (i) => i % 4,
  },
  'values that look alike but differ in type': {
    keyOf: (i) =>
      ['1', 1, 1n, true, ['1'], [1], new Uint8Array([1, 2]), { 0: 1, 1: 2 }, new Date(0), new Date(0).toISOString(), { a: undefined }, {}][
        i % 12
      ],
    groupOf: (i) => i % 12,
  },
};

const N = 240;

function expectedCounts(groupOf: (i: number) => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < N; i++) counts.set(groupOf(i), (counts.get(groupOf(i)) ?? 0) + 1);
  return counts;
}

async function run(p: number, mode: 'STREAMING' | 'BATCH', keyOf: (i: number) => unknown, groupOf: (i: number) => number): Promise<Row[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(p).setRuntimeMode(mode);
  return env
    .fromSequence(0, N - 1)
    .map((i) => [keyOf(i), 1, groupOf(i)] as Row)
    .keyBy((r) => r[0])
    .sum(1)
    .executeAndCollect();
}

/** The final count per group: the largest rolling sum seen in STREAMING, the only one in BATCH. */
function countsOf(rows: Row[], mode: 'STREAMING' | 'BATCH'): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [, count, group] of rows) {
    if (mode === 'BATCH') expect(counts.has(group), `group ${group} emitted twice in BATCH`).to.equal(false);
    counts.set(group, Math.max(counts.get(group) ?? 0, count));
  }
  return counts;
}

describe('key types through keyBy and a keyed aggregation', function () {
  this.timeout(60_000);

  for (const [family, { keyOf, groupOf }] of Object.entries(FAMILIES)) {
    it(`groups ${family} alike in partitioning and keyed state (p=1, p=2; STREAMING, BATCH)`, async () => {
      const expected = expectedCounts(groupOf);
      for (const p of [1, 2]) {
        for (const mode of ['STREAMING', 'BATCH'] as const) {
          const rows = await run(p, mode, keyOf, groupOf);
          expect(rows.length, `${mode} p=${p}: records out`).to.equal(mode === 'BATCH' ? expected.size : N);
          expect([...countsOf(rows, mode)].sort(), `${mode} p=${p}`).to.deep.equal([...expected].sort());
        }
      }
    });
  }

  for (const [what, bad] of [
    ['a function', () => 1],
    ['a symbol', Symbol('k')],
    ['a function inside a tuple', ['a', () => 1]],
  ] as const) {
    it(`fails at the first record whose key is ${what}, naming keyBy and the keyed operator`, async () => {
      for (const mode of ['STREAMING', 'BATCH'] as const) {
        const env = StreamExecutionEnvironment.createLocalEnvironment(2).setRuntimeMode(mode);
        const error = await env
          .fromSequence(1, 10)
          .map((x) => [x, 1])
          .keyBy(() => bad)
          .sum(1)
          .name('Totals')
          .executeAndCollect()
          .then(
            () => undefined,
            (e: Error) => e,
          );
        expect(error, mode).to.be.instanceOf(Error);
        expect(error!.message, mode).to.match(/keyBy of 'Totals'/);
        expect(error!.message, mode).to.include(what.replace(' inside a tuple', ''));
        expect(error!.message, mode).to.match(/keys must be/);
      }
    });
  }
});
