import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { SourceOperator } from '@spindle/runtime';
import { CollectionSource, DataGeneratorSource, SequenceSource } from '../src/sources/source-operators.js';
import { TextFileSource } from '../src/sources/text-file-source.js';
import { OperatorHarness } from './operator-harness.js';

type Source = SourceOperator & Parameters<typeof OperatorHarness.open>[0];

async function drain(h: OperatorHarness): Promise<void> {
  const source = h.operator as unknown as SourceOperator;
  for (let i = 0; i < 10_000 && (await source.emitNext()) === 'more'; i++);
}

/** Reads part of a source, snapshots it, reads on; a fresh source restored from the snapshot must emit exactly the rest. */
async function checkReplay(make: () => Source, batchesBefore: number): Promise<void> {
  const first = await OperatorHarness.open(make());
  for (let i = 0; i < batchesBefore; i++) await (first.operator as unknown as SourceOperator).emitNext();
  const taken = first.values().length;
  const snapshot = await first.snapshot();
  await drain(first);
  const all = first.values();
  expect(taken).to.be.greaterThan(0);
  expect(taken).to.be.lessThan(all.length);
  const restored = await OperatorHarness.open(make(), { restored: snapshot });
  await drain(restored);
  expect(restored.values()).to.deep.equal(all.slice(taken));
}

describe('source positions in checkpoints', () => {
  it('the sequence source replays exactly the numbers after the checkpoint', async () => {
    await checkReplay(() => new SequenceSource(1, 30_000), 2);
  });

  it('the collection source replays exactly the elements after the checkpoint', async () => {
    const elements = Array.from({ length: 3000 }, (_, i) => `e${i}`);
    await checkReplay(() => new CollectionSource(elements), 1);
  });

  it('the generator source replays exactly the indexes after the checkpoint', async () => {
    await checkReplay(() => new DataGeneratorSource((i) => i * 2, { count: 5000 }), 2);
  });

  it('the text file source replays exactly the lines after the checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-src-'));
    try {
      const file = path.join(dir, 'in.txt');
      fs.writeFileSync(file, Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 7)}`).join('\n') + '\n');
      await checkReplay(() => new TextFileSource(file), 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
