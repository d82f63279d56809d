import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'warn' });

function env(p: number, mode: 'STREAMING' | 'BATCH' = 'STREAMING'): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.createLocalEnvironment(p).setRuntimeMode(mode);
}

describe('running jobs in this thread', () => {
  it('rolling sum emits every update in STREAMING and only final values in BATCH', async () => {
    const data = ['a', 'b', 'a', 'c', 'a', 'b'];
    const streaming = await env(2)
      .fromCollection(data)
      .map((w) => [w, 1] as [string, number])
      .keyBy((t) => t[0])
      .sum(1)
      .executeAndCollect();
    expect(streaming).to.have.length(6);
    const maxima = new Map<string, number>();
    for (const [w, c] of streaming) maxima.set(w, Math.max(maxima.get(w) ?? 0, c));
    expect([...maxima].sort()).to.deep.equal([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
    const batch = await env(2, 'BATCH')
      .fromCollection(data)
      .map((w) => [w, 1] as [string, number])
      .keyBy(0)
      .sum(1)
      .executeAndCollect();
    expect(batch.sort()).to.deep.equal([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
  });

  it('min, max, minBy and maxBy follow Flink semantics', async () => {
    const rows = [
      { k: 1, v: 5, tag: 'x' },
      { k: 1, v: 2, tag: 'y' },
      { k: 1, v: 9, tag: 'z' },
    ];
    const run = async (agg: 'min' | 'max' | 'minBy' | 'maxBy') =>
      (await env(1, 'BATCH').fromCollection(rows).keyBy('k')[agg]('v').executeAndCollect())[0];
    expect(await run('min')).to.deep.equal({ k: 1, v: 2, tag: 'x' });
    expect(await run('max')).to.deep.equal({ k: 1, v: 9, tag: 'x' });
    expect(await run('minBy')).to.deep.equal({ k: 1, v: 2, tag: 'y' });
    expect(await run('maxBy')).to.deep.equal({ k: 1, v: 9, tag: 'z' });
  });

  it('reduce, union, rebalance and a parallel sequence give the exact totals', async () => {
    const e = env(3, 'BATCH');
    const a = e.fromSequence(1, 1000);
    const b = e
      .fromSequence(1001, 2000)
      .rebalance()
      .map((x) => x);
    const out = await a
      .union(b)
      .map((x) => [x % 2, x] as [number, number])
      .keyBy(0)
      .reduce((x, y) => [x[0], x[1] + y[1]])
      .executeAndCollect();
    const expected = new Map([
      [0, 0],
      [1, 0],
    ]);
    for (let i = 1; i <= 2000; i++) expected.set(i % 2, expected.get(i % 2)! + i);
    expect(out.sort()).to.deep.equal([...expected]);
  });

  it('reads every line of text files exactly once whatever the split boundaries', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-text-'));
    try {
      const lines: string[] = [];
      for (let f = 0; f < 3; f++) {
        const mine = Array.from({ length: 30000 + f * 7 }, (_, i) => `f${f} line ${i} ${'é'.repeat(i % 5)}${i % 11 === 0 ? '' : ' x'}`);
        if (f === 1) mine.push('');
        lines.push(...mine);
        fs.writeFileSync(path.join(dir, `part${f}.txt`), mine.join(f === 2 ? '\r\n' : '\n') + (f === 0 ? '' : '\n'));
      }
      fs.writeFileSync(path.join(dir, '.hidden'), 'not me\n');
      const got = await env(3).readTextFile(dir).executeAndCollect();
      expect(got.length).to.equal(lines.length);
      expect([...got].sort()).to.deep.equal([...lines].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes part files per subtask, renamed when complete', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-sink-'));
    try {
      const e = env(2);
      e.fromSequence(1, 100)
        .map((x) => ({ n: x }))
        .writeAsText(dir);
      await e.execute();
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['part-0-0', 'part-1-0']);
      const all = fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n'));
      expect(all.map((l) => (JSON.parse(l) as { n: number }).n).sort((x, y) => x - y)).to.deep.equal(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes text lines as UTF-8 bytes across buffer boundaries, lines longer than the buffer and non-ASCII text included', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-sink-'));
    try {
      const lines = Array.from({ length: 20000 }, (_, i) => `${i} ${'é€😀'.repeat(i % 7)} ${'x'.repeat(i % 50)}`);
      lines.splice(777, 0, 'ü'.repeat(200000), '');
      const e = env(1);
      e.fromCollection(lines).writeAsText(dir);
      await e.execute();
      const expected = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
      expect(fs.readFileSync(path.join(dir, 'part-0-0')).equals(expected)).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('limits the data generator to its rate and count', async () => {
    const started = Date.now();
    const out = await env(2)
      .fromDataGenerator((i) => i * 2, { count: 300, recordsPerSecond: 1000 })
      .executeAndCollect();
    expect(out.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(Date.now() - started).to.be.greaterThan(150);
  });

  it('fails the job with the operator and subtask named when a user function throws', async () => {
    let error: Error | undefined;
    await env(2)
      .fromSequence(1, 100)
      .map((x) => {
        if (x === 77) throw new RangeError('bad record 77');
        return x;
      })
      .name('Checker')
      .executeAndCollect()
      .catch((e: Error) => (error = e));
    expect(error?.message).to.match(/^Checker \(\d\/2\) failed: RangeError: bad record 77/);
  });

  it('rejects records that cannot be serialized across the network with a clear error', async () => {
    let error: Error | undefined;
    await env(2)
      .fromSequence(1, 10)
      .map((x) => ({ x, f: () => x }))
      .rebalance()
      .map((r) => r)
      .executeAndCollect()
      .catch((e: Error) => (error = e));
    expect(error?.message).to.match(/cannot serialize a function/);
  });
});
