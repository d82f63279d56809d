/**
 * Inputs of the batch benchmark, generated from fixed seeds (the same bytes on every machine),
 * once per size: a JSON file beside each input records its size, and an input whose size does
 * not match is made again.
 *
 * - `sort-<MB>mb.txt`: 100-byte lines as in the Sort Benchmark's gensort (ASCII form): a 10-byte
 *   key of letters and digits, two spaces, the record number in 32 hex digits, two spaces and 52
 *   bytes of filler, so that byte order (LC_ALL=C) and JavaScript's string order agree.
 * - `revenue-<MB>mb/orders.csv` (`orderId,customerId,amount`, about MB * 10^6 bytes) and
 *   `customers.csv` (`customerId,nation,segment`, one customer per 80 orders, 25 nations and 5
 *   segments): customer ids of orders are uniform over 1.1 times the customers, so a tenth of the
 *   orders have no customer and drop out of the inner join.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mulberry32 } from './text-gen.mjs';

const KEY_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const FILLER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NATIONS = [
  'ALGERIA',
  'ARGENTINA',
  'BRAZIL',
  'CANADA',
  'EGYPT',
  'ETHIOPIA',
  'FRANCE',
  'GERMANY',
  'INDIA',
  'INDONESIA',
  'IRAN',
  'IRAQ',
  'JAPAN',
  'JORDAN',
  'KENYA',
  'MOROCCO',
  'MOZAMBIQUE',
  'PERU',
  'CHINA',
  'ROMANIA',
  'SAUDI ARABIA',
  'VIETNAM',
  'RUSSIA',
  'UNITED KINGDOM',
  'UNITED STATES',
];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'];
const CHUNK_LINES = 50_000;

/** `<dataDir>/sort-<mb>mb.txt`: { file, bytes, lines, generated, seconds }. */
export function ensureSortInput(dataDir, mb) {
  const file = path.join(dataDir, `sort-${mb}mb.txt`);
  return ensure(file, `${file.slice(0, -4)}.json`, (tmp) => writeSortRecords(tmp, Math.max(1, Math.round((mb * 1e6) / 100))));
}

/** `<dataDir>/revenue-<mb>mb/`: { dir, orders, customers, bytes, ordersLines, customersLines, generated, seconds }. */
export function ensureRevenueInput(dataDir, mb) {
  const dir = path.join(dataDir, `revenue-${mb}mb`);
  const orders = path.join(dir, 'orders.csv');
  const customers = path.join(dir, 'customers.csv');
  fs.mkdirSync(dir, { recursive: true });
  const meta = ensure(orders, path.join(dir, 'input.json'), (tmp) => writeRevenueInput(tmp, customers, Math.round(mb * 1e6)));
  return { dir, orders, customers, ...meta };
}

function ensure(file, metaFile, write) {
  const existing = readMeta(metaFile);
  if (existing && fs.existsSync(file) && fs.statSync(file).size === existing.bytes) return { file, ...existing, generated: false };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const started = process.hrtime.bigint();
  let stats;
  try {
    stats = write(tmp);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.writeFileSync(metaFile, JSON.stringify(stats, null, 2) + '\n');
  return { file, ...stats, generated: true, seconds };
}

function readMeta(metaFile) {
  try {
    return JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes `lines` lines in chunks through `line(i)`; returns the bytes written. */
function writeLines(file, lines, line) {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    for (let i = 0; i < lines;) {
      const parts = [];
      for (const end = Math.min(lines, i + CHUNK_LINES); i < end; i++) parts.push(line(i));
      bytes += fs.writeSync(fd, parts.join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

function writeSortRecords(file, lines) {
  const next = mulberry32(7);
  const pick = (chars) => chars[Math.floor(next() * chars.length)];
  const bytes = writeLines(file, lines, (i) => {
    let key = '';
    for (let k = 0; k < 10; k++) key += pick(KEY_CHARS);
    return `${key}  ${i.toString(16).toUpperCase().padStart(32, '0')}  ${pick(FILLER).repeat(52)}\n`;
  });
  return { bytes, lines };
}

/** Customers for an orders file of `bytes`: one per 80 orders (orders lines are about 20 bytes). */
function customersFor(bytes) {
  return Math.max(1000, Math.round(bytes / 20 / 80));
}

function writeRevenueInput(ordersFile, customersFile, targetBytes) {
  const next = mulberry32(11);
  const customers = customersFor(targetBytes);
  const customersBytes = writeLines(customersFile, customers, (id) => {
    const nation = NATIONS[Math.floor(next() * NATIONS.length)];
    return `${id},${nation},${SEGMENTS[Math.floor(next() * SEGMENTS.length)]}\n`;
  });
  const fd = fs.openSync(ordersFile, 'w');
  let bytes = 0;
  let id = 0;
  try {
    while (bytes < targetBytes) {
      let chunk = '';
      for (let i = 0; i < CHUNK_LINES && bytes + chunk.length < targetBytes; i++, id++) {
        chunk += `${id},${Math.floor(next() * customers * 1.1)},${Math.floor(next() * 100_000)}\n`;
      }
      bytes += fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, ordersLines: id, customersLines: customers, customersBytes };
}
