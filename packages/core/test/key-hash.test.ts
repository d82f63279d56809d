import { expect } from 'chai';
import { inspect } from 'node:util';
import {
  SpindleError,
  assignKeyToParallelOperator,
  assignToKeyGroup,
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeOperatorIndexForKeyGroup,
  keyGroupRangeFor,
  keyHash,
  murmurMix,
} from '../src/index.js';

describe('keyHash', () => {
  it('is stable: fixed values for fixed inputs', () => {
    // Changing any of these re-partitions keyed state in existing savepoints.
    for (const [key, hash] of FIXED) expect(keyHash(key), inspect(key)).to.equal(hash);
  });

  it('hashes equal numbers alike and different keys apart', () => {
    expect(keyHash(1)).to.equal(keyHash(1.0));
    expect(keyHash(0)).to.equal(keyHash(-0));
    expect(keyHash(2 ** 40)).to.equal(keyHash(Number('1099511627776.0')));
    expect(keyHash('a')).not.to.equal(keyHash('b'));
    expect(keyHash('1')).not.to.equal(keyHash(1));
    expect(keyHash(null)).not.to.equal(keyHash(undefined));
    expect(keyHash([])).not.to.equal(keyHash({}));
    expect(keyHash(1.5)).not.to.equal(keyHash(2.5));
    expect(keyHash(NaN)).to.equal(keyHash(0 / 0));
  });

  it('hashes objects by canonical structure', () => {
    expect(keyHash({ a: 1, b: [2, 'x'] })).to.equal(keyHash({ b: [2, 'x'], a: 1 }));
    expect(keyHash({ a: 1, b: 2 })).not.to.equal(keyHash({ a: 2, b: 1 }));
    expect(keyHash(['a', 'b'])).not.to.equal(keyHash(['b', 'a']));
  });

  it('returns 32-bit integers spread over the range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const h = keyHash(`key-${i}`);
      expect(h | 0).to.equal(h);
      seen.add(h);
    }
    expect(seen.size).to.equal(10_000);
  });

  it('rejects functions and symbols with a user-facing error', () => {
    for (const bad of [() => 1, Symbol('s'), [1, () => 2], new Map()]) {
      expect(() => keyHash(bad))
        .to.throw(SpindleError)
        .with.property('userFacing', true);
    }
  });

  it('mixes with the murmur finalizer', () => {
    expect(murmurMix(0)).to.equal(0);
    expect(murmurMix(1)).to.equal(0x514e28b7 | 0);
  });
});

describe('key groups', () => {
  it('computes the key group as the unsigned murmur mix modulo the maximum parallelism, for every hash', () => {
    // The definition (Flink's KeyGroupRangeAssignment): restored state depends on it.
    const reference = (hash: number, maxParallelism: number) => (murmurMix(hash) >>> 0) % maxParallelism;
    const hashes = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, -0x10000];
    let x = 0x9e3779b9;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) | 0;
      hashes.push(x);
    }
    for (let i = 0; i < 5_000; i++) hashes.push(keyHash(`key-${i}`), keyHash(i), keyHash([i, 'x']));
    for (const maxParallelism of [1, 2, 3, 5, 7, 10, 100, 127, 128, 129, 1000, 4096, 10_000, 32_767, 32_768]) {
      for (const hash of hashes) {
        const expected = reference(hash, maxParallelism);
        if (computeKeyGroupForKeyHash(hash, maxParallelism) !== expected) {
          expect(computeKeyGroupForKeyHash(hash, maxParallelism), `hash ${hash}, maxParallelism ${maxParallelism}`).to.equal(expected);
        }
      }
    }
    expect(assignToKeyGroup('user-42', 128)).to.equal(reference(keyHash('user-42'), 128));
    expect(assignToKeyGroup('user-42', 1000)).to.equal(reference(keyHash('user-42'), 1000));
  });

  it('assigns keys to key groups within [0, maxParallelism)', () => {
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < 12_800; i++) {
      const kg = assignToKeyGroup(`word${i}`, 128);
      expect(kg).to.be.within(0, 127);
      counts[kg]!++;
    }
    expect(Math.min(...counts)).to.be.greaterThan(50);
    expect(assignToKeyGroup('same', 4096)).to.equal(assignToKeyGroup('same', 4096));
  });

  it('partitions [0, maxParallelism) into contiguous ranges consistent with the operator index', () => {
    for (const [maxP, p] of [
      [128, 1],
      [128, 3],
      [128, 7],
      [128, 128],
      [4096, 100],
      [32768, 17],
    ] as const) {
      let next = 0;
      for (let op = 0; op < p; op++) {
        const { start, end } = keyGroupRangeFor(maxP, p, op);
        expect(start, `maxP=${maxP} p=${p} op=${op}`).to.equal(next);
        expect(end).to.be.at.least(start);
        expect(computeOperatorIndexForKeyGroup(maxP, p, start)).to.equal(op);
        expect(computeOperatorIndexForKeyGroup(maxP, p, end)).to.equal(op);
        next = end + 1;
      }
      expect(next).to.equal(maxP);
    }
  });

  it('routes a key to the operator whose range holds its key group', () => {
    for (let i = 0; i < 500; i++) {
      const key = ['user', i];
      const op = assignKeyToParallelOperator(key, 128, 5);
      const { start, end } = keyGroupRangeFor(128, 5, op);
      expect(assignToKeyGroup(key, 128)).to.be.within(start, end);
    }
  });

  it('derives the default max parallelism like Flink', () => {
    expect(computeDefaultMaxParallelism(1)).to.equal(128);
    expect(computeDefaultMaxParallelism(100)).to.equal(256);
    expect(computeDefaultMaxParallelism(200)).to.equal(512);
    expect(computeDefaultMaxParallelism(30_000)).to.equal(32_768);
  });

  it('rejects invalid arguments', () => {
    expect(() => keyGroupRangeFor(128, 0, 0)).to.throw(SpindleError);
    expect(() => keyGroupRangeFor(128, 4, 4)).to.throw(/outside/);
    expect(() => keyGroupRangeFor(4, 8, 0)).to.throw(/exceeds/);
  });
});

const FIXED: [unknown, number][] = [
  ['', 0],
  ['a', 1867108634],
  ['word', -1996542359],
  ['hello world', 1689409188],
  ['Grüße 😀', -870056879],
  [0, -677850186],
  [1, 517910096],
  [-1, 1161215332],
  [2 ** 40, 1647820904],
  [1.5, 243494750],
  // Other keys hash over their canonical encoding (encodeKey).
  [true, -302221747],
  [null, 850580495],
  [undefined, -2006147042],
  [123n, -888712730],
  [['word', 1], -404981164],
  [{ a: 1, b: 'x' }, -1253223236],
];
