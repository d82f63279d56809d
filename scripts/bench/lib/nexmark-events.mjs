/**
 * Nexmark events files for the Nexmark benchmark: the first `events` events of the built-in
 * generator (`Nexmark.NexmarkGenerator` of the built @spindle/datastream) for a seed and a rate,
 * one `Nexmark.formatEvent` line each, in `<dataDir>/nexmark-<events>-seed<seed>.txt`.
 *
 * A JSON file beside it records what the file holds (events, persons, auctions, bids, bytes,
 * seed, rate) and how long making it took, split into the generator's own time and the time
 * spent formatting and writing lines. A file whose JSON is missing or does not match (size,
 * events, seed, rate) is made again; otherwise it is reused. The file is written under a
 * temporary name and renamed when complete, so an interrupted run never leaves a short file.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Events made, then formatted and written, per step. */
const BATCH = 10_000;

/**
 * Returns { file, meta, generated } where meta is the JSON record: { events, seed, rate, bytes,
 * persons, auctions, bids, generatorSec, writeSec, totalSec }. `Nexmark` is the namespace the
 * built @spindle/datastream exports.
 */
export function ensureNexmarkEvents(Nexmark, dataDir, { events, seed, rate }) {
  const file = path.join(dataDir, `nexmark-${events}-seed${seed}.txt`);
  const metaFile = file.replace(/\.txt$/, '.json');
  const existing = readMeta(metaFile);
  const matches =
    existing &&
    existing.events === events &&
    existing.seed === seed &&
    existing.rate === rate &&
    fs.existsSync(file) &&
    fs.statSync(file).size === existing.bytes;
  if (matches) return { file, meta: existing, generated: false };

  const meta = writeEventsFile(Nexmark, file, { events, seed, rate });
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  return { file, meta, generated: true };
}

function writeAll(fd, buffer) {
  for (let offset = 0; offset < buffer.length;) offset += fs.writeSync(fd, buffer, offset);
}

function readMeta(metaFile) {
  try {
    return JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch {
    return null;
  }
}

function writeEventsFile(Nexmark, file, { events, seed, rate }) {
  const generator = new Nexmark.NexmarkGenerator({ seed, rate });
  const temp = `${file}.tmp-${process.pid}`;
  const counts = { person: 0, auction: 0, bid: 0 };
  let generatorNs = 0n;
  let writeNs = 0n;
  let bytes = 0;
  const started = process.hrtime.bigint();
  const fd = fs.openSync(temp, 'w');
  try {
    const batch = new Array(BATCH);
    for (let first = 0; first < events; first += BATCH) {
      const size = Math.min(BATCH, events - first);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < size; i++) batch[i] = generator.event(first + i);
      const t1 = process.hrtime.bigint();
      let text = '';
      for (let i = 0; i < size; i++) {
        counts[batch[i].type]++;
        text += `${Nexmark.formatEvent(batch[i])}\n`;
      }
      const chunk = Buffer.from(text, 'utf8');
      writeAll(fd, chunk);
      bytes += chunk.length;
      generatorNs += t1 - t0;
      writeNs += process.hrtime.bigint() - t1;
    }
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  return {
    events,
    seed,
    rate,
    bytes,
    persons: counts.person,
    auctions: counts.auction,
    bids: counts.bid,
    generatorSec: Number(generatorNs) / 1e9,
    writeSec: Number(writeNs) / 1e9,
    totalSec: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
