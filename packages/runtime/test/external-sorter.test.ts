import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SpindleError, encodeKey } from '@spindle/core';
import { ExternalSorter, compareEncodedKeys, compareValues, localSpillFileWriter, type SpillFileWriter } from '../src/sort/index.js';

type Rec = [number, string];

/** A deterministic pseudo-random sequence (xorshift), so failures can be reproduced. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function records(n: number, seed: number): Rec[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => [Math.floor(next() * 1000), `v${i}-${'x'.repeat(Math.floor(next() * 40))}`]);
}

/** Adds `input` to the sorter and reads it sorted, which must fail with `code`, naming `directory` and io.tmp.dirs. */
function expectSpillFailure<T>(s: ExternalSorter<T>, input: Iterable<unknown>, code: string, directory: string): void {
  let failure: unknown;
  try {
    for (const r of input) s.add(r);
    for (const r of s.sorted()) expect(r).to.not.equal(undefined);
  } catch (e) {
    failure = e;
  }
  expect(failure).to.be.instanceOf(SpindleError);
  expect((failure as SpindleError).code).to.equal(code);
  expect((failure as Error).message)
    .to.contain(directory)
    .and.contain('io.tmp.dirs');
}

describe('ExternalSorter', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sorter-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function sorter(budget: number, writer?: SpillFileWriter, dirs = [dir]): ExternalSorter<number> {
    return new ExternalSorter<number>({
      operatorName: 'Sort',
      memoryBudget: budget,
      tmpDirs: dirs,
      sortKey: (r) => (r as Rec)[0],
      compare: compareValues,
      ...(writer ? { writer } : {}),
    });
  }

  it('sorts random records through many spilled runs as a stable Array.sort does, and removes its files', () => {
    const input = records(20_000, 7);
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'sorter-test-b-'));
    try {
      const s = sorter(8 * 1024, undefined, [dir, second]);
      for (const r of input) s.add(r);
      const out = [...s.sorted()];
      expect(s.spilled.runs).to.be.greaterThan(MAX_FAN_IN_FOR_TEST);
      expect(out).to.deep.equal(input.slice().sort((a, b) => a[0] - b[0]));
      expect(fs.readdirSync(dir)).to.deep.equal([]);
      expect(fs.readdirSync(second)).to.deep.equal([]);
    } finally {
      fs.rmSync(second, { recursive: true, force: true });
    }
  });

  it('sorts in memory without spilling when the records fit the budget', () => {
    const input = records(500, 3);
    const s = sorter(8 * 1024 * 1024);
    for (const r of input) s.add(r);
    expect([...s.sorted()]).to.deep.equal(input.slice().sort((a, b) => a[0] - b[0]));
    expect(s.spilled.runs).to.equal(0);
  });

  it('groups by encoded keys: equal keys of any type are adjacent', () => {
    const keys = [[1, 'a'], 'x', 2, [1, 'a'], 'x', { b: 1, a: 2 }, 2, { a: 2, b: 1 }];
    const s = new ExternalSorter<string>({
      operatorName: 'Group',
      memoryBudget: 100,
      tmpDirs: [dir],
      sortKey: (r) => encodeKey((r as { k: unknown }).k),
      compare: compareEncodedKeys,
    });
    keys.forEach((k, i) => s.add({ k, i }));
    const out = [...s.sorted()].map((r) => encodeKey((r as { k: unknown }).k));
    const runs = out.filter((k, i) => i === 0 || out[i - 1] !== k);
    expect(new Set(runs).size).to.equal(runs.length);
    expect(s.spilled.runs).to.be.greaterThan(1);
  });

  it('removes its spill files when closed before the end (failure or cancellation)', () => {
    const s = sorter(4 * 1024);
    for (const r of records(5_000, 11)) s.add(r);
    expect(fs.readdirSync(dir).length).to.be.greaterThan(1);
    const it = s.sorted();
    it.next();
    s.close();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('fails with an error naming the directory on a full disk, leaving no spill files', () => {
    let written = 0;
    const fullDisk: SpillFileWriter = {
      open(file) {
        const real = localSpillFileWriter.open(file);
        return {
          write(bytes) {
            if (written + bytes.length > 200_000)
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            written += bytes.length;
            real.write(bytes);
          },
          close: () => real.close(),
        };
      },
    };
    const s = sorter(32 * 1024, fullDisk);
    expectSpillFailure(s, records(20_000, 5), 'SPILL_DISK_FULL', dir);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  /** A sorter of string lines in their natural order, as `sortPartition((line) => line)` makes. */
  function lineSorter(budget: number, dirs = [dir]): ExternalSorter<string> {
    return new ExternalSorter<string>({
      operatorName: 'Sort',
      memoryBudget: budget,
      tmpDirs: dirs,
      sortKey: (r) => r as string,
      compare: compareValues,
      naturalOrder: 'ASCENDING',
    });
  }

  function lines(n: number, seed: number): string[] {
    const next = random(seed);
    return Array.from({ length: n }, (_, i) => `${Math.floor(next() * 1e6).toString(36)}-${i % 7}-${'é'.repeat(Math.floor(next() * 30))}`);
  }

  /**
   * Adds lines until the first spill (which starts the spill thread), then waits for the thread
   * to take runs (its start may take seconds on a loaded machine), leaving the rest of the input.
   */
  async function untilSpillThread(s: ExternalSorter<string>, input: Iterator<string>): Promise<void> {
    while (s.spilled.runs === 0) {
      const n = input.next();
      if (n.done) throw new Error('the input ended before the first spill');
      s.add(n.value);
    }
    for (let attempt = 0; attempt < 600 && !s.spillsInBackground; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.spillsInBackground).to.equal(true);
  }

  it('spills and merges string lines on its spill thread: the same order as Array.sort, lines larger than a merge chunk included, and removes its files', async () => {
    const input = lines(60_000, 3);
    // Lines larger than a merge chunk (256 KiB) reach the task apart.
    input.splice(20_000, 0, 'm'.repeat(300_000), 'a'.repeat(400_000) + 'z');
    const s = lineSorter(256 * 1024);
    const it = input[Symbol.iterator]();
    await untilSpillThread(s, it);
    for (let n = it.next(); !n.done; n = it.next()) s.add(n.value);
    const out = [...s.sorted()];
    expect(s.spilled.runs).to.be.greaterThan(4).and.lessThan(MAX_FAN_IN_FOR_TEST);
    expect(out).to.deep.equal(input.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('hands out spilled string lines as UTF-8 text blocks: the bytes of the sorted lines, each ending in a newline, and removes its files', async () => {
    const input = lines(60_000, 6);
    // A line larger than a merge chunk (256 KiB) comes as a block of its own.
    input.splice(30_000, 0, 'b'.repeat(300_000));
    const s = lineSorter(256 * 1024);
    const it = input[Symbol.iterator]();
    await untilSpillThread(s, it);
    for (let n = it.next(); !n.done; n = it.next()) s.add(n.value);
    const text = s.sortedText();
    expect(text).to.not.equal(undefined);
    const blocks: Buffer[] = [];
    for (const block of text!) {
      expect(block[block.length - 1]).to.equal(0x0a);
      blocks.push(Buffer.from(block));
    }
    const expected = input.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(Buffer.concat(blocks).equals(Buffer.from(expected.join('\n') + '\n'))).to.equal(true);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('has no text blocks when a record is not a string line of its own key, or nothing was spilled', async () => {
    const small = lineSorter(1 << 20);
    small.add('b');
    small.add('a');
    expect(small.sortedText()).to.equal(undefined);
    expect([...small.sorted()]).to.deep.equal(['a', 'b']);
    // A surrogate pair: its key bytes (each code unit apart) are not its UTF-8 bytes.
    const s = lineSorter(256 * 1024);
    const it = lines(60_000, 7)[Symbol.iterator]();
    await untilSpillThread(s, it);
    s.add('\u{1F600} smile');
    for (let n = it.next(); !n.done; n = it.next()) s.add(n.value);
    expect(s.sortedText()).to.equal(undefined);
    const out = [...s.sorted()];
    expect(out).to.have.length(60_001);
    expect(out.at(-1)).to.equal('\u{1F600} smile');
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  for (const stop of ['return', 'close'] as const) {
    it(`removes its spill files when the merge on its spill thread is stopped early (${stop === 'return' ? 'the reader stops' : 'the sorter is closed'})`, async () => {
      const s = lineSorter(64 * 1024);
      const it = lines(30_000, 4)[Symbol.iterator]();
      await untilSpillThread(s, it);
      for (let n = it.next(); !n.done; n = it.next()) s.add(n.value);
      const sorted = s.sorted();
      for (let k = 0; k < 100; k++) expect(sorted.next().done).to.equal(false);
      if (stop === 'return') sorted.return();
      else s.close();
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });
  }

  it('fails with the spill error when its spill thread cannot write a run, leaving no spill files', async () => {
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'sorter-test-b-'));
    const s = lineSorter(64 * 1024, [dir, second]);
    const it = lines(30_000, 5)[Symbol.iterator]();
    await untilSpillThread(s, it);
    // The next runs go to both directories in turn: the thread's open fails in the missing one.
    fs.rmSync(second, { recursive: true, force: true });
    expectSpillFailure(s, { [Symbol.iterator]: () => it }, 'SPILL_WRITE', second);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  for (const order of ['ASCENDING', 'DESCENDING'] as const) {
    // 80,000 records in memory take the radix sort's 16-bit digits.
    for (const [budget, others, count] of [
      [16 * 1024 * 1024, true, 3000],
      [6 * 1024, true, 3000],
      [16 * 1024 * 1024, false, 3000],
      [6 * 1024, false, 3000],
      [64 * 1024 * 1024, false, 80_000],
    ] as const) {
      const what = `${order}, ${count} records ${budget > 1e6 ? 'in memory' : 'spilled'}, ${others ? 'with' : 'without'} keys of other types`;
      it(`sorts natural keys as binary keys exactly as compareValues does (${what})`, () => {
        const next = random(budget + order.length);
        const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
        // Strings sharing long prefixes, code units on both sides of the surrogates (where UTF-8
        // order differs from UTF-16 order), lone surrogates, U+0000, short keys and numbers of
        // every sign, with keys that have no binary form among them.
        const units = ['a', 'b', '\u0000', '\u00e9', '\u0800', '\ud7ff', '\ud83d\ude00', '\ud83d', '\ude00', '\ue000', '\uffff', 'z'];
        const key = (): unknown => {
          const r = next();
          if (r < 0.45) return 'common-prefix-' + Array.from({ length: Math.floor(next() * 4) }, () => pick(units)).join('');
          if (r < 0.6) return Array.from({ length: Math.floor(next() * 3) }, () => pick(units)).join('');
          if (r < 0.85 || !others) return pick([0, -0, 1, -1, 0.5, -2.5, 1e300, -1e300, Infinity, -Infinity, 2 ** 53, 42]);
          return pick([null, undefined, 7n, -3n, true, [1, 'a'], new Date(5)]);
        };
        const input = Array.from({ length: count }, (_, i) => ({ k: key(), i }));
        const sign = order === 'DESCENDING' ? -1 : 1;
        const compare = (a: unknown, b: unknown): number => sign * compareValues(a, b);
        const s = new ExternalSorter<unknown>({
          operatorName: 'Sort',
          memoryBudget: budget,
          tmpDirs: [dir],
          sortKey: (r) => (r as { k: unknown }).k,
          compare,
          naturalOrder: order,
        });
        for (const r of input) s.add(r);
        const out = [...s.sorted()] as { k: unknown; i: number }[];
        const expected = input.slice().sort((a, b) => compare(a.k, b.k) || a.i - b.i);
        expect(out.map((r) => r.i)).to.deep.equal(expected.map((r) => r.i));
        expect(s.spilled.runs > 0).to.equal(budget < 1e6);
        expect(fs.readdirSync(dir)).to.deep.equal([]);
      });
    }
  }

  it('hands out string records that are their own key as the same strings, surrogates included', () => {
    const input = ['b\ud83d', 'a', '\ud83d\ude00x', 'caf\u00e9', '', 'a'.repeat(5000), '\ude00', 'a\u0000'];
    const s = new ExternalSorter<string>({
      operatorName: 'Sort',
      memoryBudget: 1024,
      tmpDirs: [dir],
      sortKey: (r) => r as string,
      compare: compareValues,
      naturalOrder: 'ASCENDING',
    });
    for (const r of input) s.add(r);
    expect([...s.sorted()]).to.deep.equal(input.slice().sort());
  });

  it('groups [key, record] pairs by their string key, stored once, and hands them out whole', () => {
    const next = random(5);
    const keys = ['n1;', 'n2;', 's3:\ud83d\ude00', 's1:\ud83d', 'a-long-encoded-key-beyond-the-prefix'];
    const input = Array.from({ length: 4000 }, (_, i) => [keys[Math.floor(next() * keys.length)]!, { i, v: [i, 'x'] }] as const);
    const s = new ExternalSorter<string>({
      operatorName: 'Group',
      memoryBudget: 16 * 1024,
      tmpDirs: [dir],
      sortKey: (r) => (r as [string, unknown])[0],
      compare: compareEncodedKeys,
      naturalOrder: 'ASCENDING',
    });
    for (const r of input) s.add(r);
    expect([...s.sorted()]).to.deep.equal(input.slice().sort((a, b) => compareEncodedKeys(a[0], b[0])));
    expect(s.spilled.runs).to.be.greaterThan(1);
  });

  it('orders sort fields naturally: numbers by value, strings by code units, null first', () => {
    const values = [10, 9, 'b', 'a', null, 100, -1];
    expect(values.slice().sort(compareValues)).to.deep.equal([null, -1, 9, 10, 100, 'a', 'b']);
  });
});

/** More runs than one merge pass takes, so the test covers multi-pass merging. */
const MAX_FAN_IN_FOR_TEST = 128;
