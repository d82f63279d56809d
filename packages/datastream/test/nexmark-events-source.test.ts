import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { SourceOperator } from '@spindle/runtime';
import { NexmarkEventsFileSource } from '../src/nexmark/events-file-source.js';
import { formatEvent, parseEvent } from '../src/nexmark/events-file.js';
import { NexmarkGenerator } from '../src/nexmark/generator.js';
import { TextFileSource } from '../src/sources/text-file-source.js';
import { OperatorHarness } from './operator-harness.js';

/** Emits until the source ends; a call may answer with a promise and no records while bytes are on their way. */
async function drain(h: OperatorHarness): Promise<void> {
  const source = h.operator as unknown as SourceOperator;
  for (let i = 0; i < 100_000 && (await source.emitNext()) === 'more'; i++);
}

/**
 * Lines of generated events (enough for three splits of the 4 MiB minimum) with, among them,
 * lines that parseEvent takes by its general path or rejects: they must come out the same.
 */
function eventLines(): string[] {
  const generator = new NexmarkGenerator({ seed: 3 });
  const lines: string[] = [];
  for (let id = 0, bytes = 0; bytes < 9.5 * 1024 * 1024; id++) {
    const line = formatEvent(generator.event(id));
    lines.push(line);
    bytes += line.length + 1;
  }
  const unusual = [
    'B,1001,2002,3003,1436918400000,carriage return\r',
    'B,-7,0,-0,1436918400001,negative numbers',
    'B,1e3,2,3,1436918400002,exponent taken by the general path',
    'B,1,2,3,1436918400003,',
    'B,1234567890123456,2,3,1436918400004,sixteen digits',
    'B,5,6,7,1436918400005,caf\u00e9 au lait',
  ];
  unusual.forEach((line, i) => lines.splice(1000 + i * 20_000, 0, line));
  return lines;
}

describe('Nexmark events file source', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let lines: string[];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-nexmark-src-'));
    file = path.join(dir, 'events.txt');
    lines = eventLines();
    fs.writeFileSync(file, lines.join('\n') + '\n');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('emits the events parseEvent makes of every line, in order, across splits', async () => {
    const h = await OperatorHarness.open(new NexmarkEventsFileSource(file));
    await drain(h);
    expect(fs.statSync(file).size).to.be.greaterThan(8 * 1024 * 1024);
    const expected = lines.map((line) => parseEvent(line.endsWith('\r') ? line.slice(0, -1) : line));
    const got = h.values();
    expect(got.length).to.equal(expected.length);
    expect(got).to.deep.equal(expected);
  });

  it('replays exactly the events after a checkpoint, from within a split and from a later split', async () => {
    for (const piecesBefore of [3, 100]) {
      const first = await OperatorHarness.open(new NexmarkEventsFileSource(file));
      const source = first.operator as unknown as SourceOperator;
      for (let pieces = 0, calls = 0; pieces < piecesBefore && calls < 100_000; calls++) {
        const before = first.values().length;
        await source.emitNext();
        if (first.values().length > before) pieces++;
      }
      const taken = first.values().length;
      const snapshot = await first.snapshot();
      await drain(first);
      const all = first.values();
      expect(taken).to.be.greaterThan(0).and.lessThan(all.length);
      const restored = await OperatorHarness.open(new NexmarkEventsFileSource(file), { restored: snapshot });
      await drain(restored);
      expect(restored.values()).to.deep.equal(all.slice(taken));
    }
  });

  it('fails on a malformed line with the error parseEvent gives', async () => {
    const bad = path.join(dir, 'bad.txt');
    for (const line of ['B,1,2,x,4,extra', `B,1,2,3,4,${'x'.repeat(41)},a comma deep in the text`]) {
      let expected: Error | undefined;
      try {
        parseEvent(line);
      } catch (e) {
        expected = e as Error;
      }
      fs.writeFileSync(bad, `${lines.slice(0, 50).join('\n')}\n${line}\n${lines.slice(50, 60).join('\n')}\n`);
      const h = await OperatorHarness.open(new NexmarkEventsFileSource(bad));
      let error: Error | undefined;
      try {
        await drain(h);
      } catch (e) {
        error = e as Error;
      }
      expect(expected?.message).to.match(/^malformed Nexmark event line/);
      expect(error?.message).to.equal(expected?.message);
      expect(h.values()).to.deep.equal(lines.slice(0, 50).map((l) => parseEvent(l)));
    }
  });

  it('reads a text file of several splits with the lines of the plain text source', async () => {
    const h = await OperatorHarness.open(new TextFileSource(file));
    await drain(h);
    expect(h.values()).to.deep.equal(lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
  });

  it('names a file that is gone by the time the reader thread opens it', async () => {
    const gone = path.join(dir, 'gone.txt');
    fs.writeFileSync(gone, 'B,1,2,3,4,x\n');
    const h = await OperatorHarness.open(new NexmarkEventsFileSource(gone));
    fs.rmSync(gone);
    let error: Error | undefined;
    try {
      await drain(h);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(new RegExp(`cannot read ${gone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
  });
});
