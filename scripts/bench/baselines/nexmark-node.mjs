/**
 * Nexmark baseline: each query computed directly by a plain single-threaded Node loop over a
 * Nexmark events file (the `P,...` / `A,...` / `B,...` lines of Nexmark.formatEvent). It is the
 * reference answer of the Nexmark benchmark, written without the engine.
 *
 *   node nexmark-node.mjs <q0|q1|q2|q3|q5|q7|q8> <events file> [--output file]
 *
 * Reads the file in 1 MiB chunks and splits it into lines and fields itself. Results are written
 * to the output file, one line each, or, without --output, counted and dropped. Prints
 * `Job Runtime: <n> ms` (from opening the file to the last result) and `Results: <n> lines`.
 *
 * Output lines (scripts/bench/README.md, "Nexmark queries"):
 *   q0  auction,bidder,price,dateTime,extra       every bid
 *   q1  auction,bidder,price,dateTime             price × 0.908 with 3 decimals
 *   q2  auction,price                             bids with auction % 123 == 0
 *   q3  name,city,state,auctionId                 auctions of category 10 joined with sellers in OR, ID, CA
 *   q5  auction,num,windowEnd                     per 10 s window sliding by 2 s, the auctions with most bids
 *   q7  auction,bidder,price,dateTime,extra,windowEnd   per 10 s tumbling window, the bids at its highest price
 *   q8  id,name,windowStart                       per 10 s tumbling window, the people who registered and
 *                                                 opened an auction in it
 * Windows are aligned to the epoch; times are epoch milliseconds. The window queries need the
 * file in event-time order (as the generator writes it) and fail on an event that goes back.
 */
import fs from 'node:fs';

const QUERIES = { q0, q1, q2, q3, q5, q7, q8 };
const USAGE = `usage: nexmark-node.mjs <${Object.keys(QUERIES).join('|')}> <events file> [--output file]`;

const [query, input, ...rest] = process.argv.slice(2);
const outputFile = rest[0] === '--output' ? rest[1] : undefined;
if (!QUERIES[query] || !input || (rest.length > 0 && (rest.length !== 2 || !outputFile))) {
  console.error(USAGE);
  process.exit(2);
}

/** Result lines, written to the output file in 1 MiB pieces, or only counted. */
class Results {
  lines = 0;
  #fd;
  #pending = '';

  constructor(file) {
    this.#fd = file === undefined ? null : fs.openSync(file, 'w');
  }

  add(line) {
    this.lines++;
    if (this.#fd === null) return;
    this.#pending += `${line}\n`;
    if (this.#pending.length >= 1 << 20) this.#flush();
  }

  close() {
    if (this.#fd === null) return;
    this.#flush();
    fs.closeSync(this.#fd);
  }

  #flush() {
    const buffer = Buffer.from(this.#pending, 'utf8');
    for (let offset = 0; offset < buffer.length;) offset += fs.writeSync(this.#fd, buffer, offset);
    this.#pending = '';
  }
}

/** Calls onLine(line) for every non-empty line of the file. */
async function forEachLine(file, onLine) {
  let carry = '';
  for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + chunk;
    let start = 0;
    let end;
    while ((end = text.indexOf('\n', start)) >= 0) {
      if (end > start) onLine(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') onLine(carry);
}

/** The event time of a line: field 4 of a bid, 6 of an auction, 7 of a person. */
const TIME_FIELD = { B: 4, A: 6, P: 7 };

/** A check that the events come in event-time order, which the window queries rely on. */
function inOrder() {
  let last = -Infinity;
  return (time, line) => {
    if (time < last) throw new Error(`events out of time order at ${JSON.stringify(line.slice(0, 80))}: ${time} after ${last}`);
    last = time;
  };
}

function fields(line) {
  const f = line.split(',');
  const expected = { B: 6, A: 11, P: 9 }[f[0]];
  if (f.length !== expected) throw new Error(`malformed event line ${JSON.stringify(line.slice(0, 80))}`);
  return f;
}

async function q0(file, out) {
  await forEachLine(file, (line) => {
    const f = fields(line);
    if (f[0] !== 'B') return;
    out.add(`${Number(f[1])},${Number(f[2])},${Number(f[3])},${Number(f[4])},${f[5]}`);
  });
}

/** price × 0.908 as a decimal with 3 places: price is whole, so price × 908 thousandths is exact. */
function euros(price) {
  const thousandths = price * 908;
  return `${Math.floor(thousandths / 1000)}.${String(thousandths % 1000).padStart(3, '0')}`;
}

async function q1(file, out) {
  await forEachLine(file, (line) => {
    const f = fields(line);
    if (f[0] !== 'B') return;
    out.add(`${Number(f[1])},${Number(f[2])},${euros(Number(f[3]))},${Number(f[4])}`);
  });
}

async function q2(file, out) {
  await forEachLine(file, (line) => {
    const f = fields(line);
    if (f[0] !== 'B') return;
    const auction = Number(f[1]);
    if (auction % 123 === 0) out.add(`${auction},${Number(f[3])}`);
  });
}

const Q3_STATES = new Set(['OR', 'ID', 'CA']);

/** Sellers from OR, ID and CA joined with their auctions of category 10, whichever comes first. */
async function q3(file, out) {
  const sellers = new Map();
  const waiting = new Map();
  await forEachLine(file, (line) => {
    const f = fields(line);
    if (f[0] === 'P' && Q3_STATES.has(f[6])) {
      const id = Number(f[1]);
      const person = `${f[2]},${f[5]},${f[6]}`;
      sellers.set(id, person);
      for (const auction of waiting.get(id) ?? []) out.add(`${person},${auction}`);
      waiting.delete(id);
    } else if (f[0] === 'A' && Number(f[9]) === 10) {
      const id = Number(f[1]);
      const seller = Number(f[8]);
      const person = sellers.get(seller);
      if (person !== undefined) out.add(`${person},${id}`);
      else if (waiting.has(seller)) waiting.get(seller).push(id);
      else waiting.set(seller, [id]);
    }
  });
}

const Q5_SIZE = 10_000;
const Q5_SLIDE = 2_000;

/**
 * Hot items: bid counts per auction in 2 s panes; the window ending at e is the 5 panes from
 * e - 10 s. Window e is complete once an event at e or later comes (the watermark passed it).
 */
async function q5(file, out) {
  const panes = new Map();
  let nextEnd = null;
  const fire = (end) => {
    const counts = new Map();
    for (let start = end - Q5_SIZE; start < end; start += Q5_SLIDE) {
      for (const [auction, n] of panes.get(start) ?? []) counts.set(auction, (counts.get(auction) ?? 0) + n);
    }
    panes.delete(end - Q5_SIZE);
    let max = 0;
    for (const n of counts.values()) if (n > max) max = n;
    for (const [auction, n] of counts) if (n === max) out.add(`${auction},${n},${end}`);
  };
  const fireUpTo = (time) => {
    while (nextEnd !== null && nextEnd <= time) {
      fire(nextEnd);
      nextEnd = panes.size === 0 ? null : nextEnd + Q5_SLIDE;
    }
  };
  const check = inOrder();
  await forEachLine(file, (line) => {
    const f = fields(line);
    const time = Number(f[TIME_FIELD[f[0]]]);
    check(time, line);
    fireUpTo(time);
    if (f[0] !== 'B') return;
    const auction = Number(f[1]);
    const paneStart = time - (time % Q5_SLIDE);
    let pane = panes.get(paneStart);
    if (pane === undefined) panes.set(paneStart, (pane = new Map()));
    pane.set(auction, (pane.get(auction) ?? 0) + 1);
    nextEnd ??= paneStart + Q5_SLIDE;
  });
  fireUpTo(Infinity);
}

const TUMBLE = 10_000;

/** Highest bid: per tumbling window, its highest price and the bids at that price. */
async function q7(file, out) {
  let windowStart = null;
  let max = -Infinity;
  let top = [];
  const fire = () => {
    for (const bid of top) out.add(`${bid},${windowStart + TUMBLE}`);
    windowStart = null;
    max = -Infinity;
    top = [];
  };
  const check = inOrder();
  await forEachLine(file, (line) => {
    const f = fields(line);
    const time = Number(f[TIME_FIELD[f[0]]]);
    check(time, line);
    if (windowStart !== null && time >= windowStart + TUMBLE) fire();
    if (f[0] !== 'B') return;
    windowStart ??= time - (time % TUMBLE);
    const price = Number(f[3]);
    if (price < max) return;
    if (price > max) {
      max = price;
      top = [];
    }
    top.push(`${Number(f[1])},${Number(f[2])},${price},${time},${f[5]}`);
  });
  if (windowStart !== null) fire();
}

/** New users: per tumbling window, the people who registered in it and opened an auction in it. */
async function q8(file, out) {
  let windowStart = null;
  let people = new Map();
  let sellers = new Set();
  const fire = () => {
    for (const [id, names] of people) {
      if (!sellers.has(id)) continue;
      for (const name of names) out.add(`${id},${name},${windowStart}`);
    }
    windowStart = null;
    people = new Map();
    sellers = new Set();
  };
  const check = inOrder();
  await forEachLine(file, (line) => {
    const f = fields(line);
    const time = Number(f[TIME_FIELD[f[0]]]);
    check(time, line);
    if (windowStart !== null && time >= windowStart + TUMBLE) fire();
    if (f[0] === 'B') return;
    windowStart ??= time - (time % TUMBLE);
    if (f[0] === 'P') {
      // (id, name) pairs are distinct within a window, as SQL's GROUP BY id, name makes them.
      const id = Number(f[1]);
      if (!people.has(id)) people.set(id, new Set());
      people.get(id).add(f[2]);
    } else {
      sellers.add(Number(f[8]));
    }
  });
  if (windowStart !== null) fire();
}

const started = process.hrtime.bigint();
const results = new Results(outputFile);
await QUERIES[query](input, results);
results.close();
console.log(`Job Runtime: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
console.log(`Results: ${results.lines} lines`);
