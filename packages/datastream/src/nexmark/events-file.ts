import { SpindleError } from '@spindle/core';
import type { Bid, NexmarkEvent } from './model.js';

/**
 * Nexmark events as text lines, so that every system of a comparison can read the same events:
 *
 *   P,id,name,emailAddress,creditCard,city,state,dateTime,extra
 *   A,id,itemName,description,initialBid,reserve,dateTime,expires,seller,category,extra
 *   B,auction,bidder,price,dateTime,extra
 *
 * Times are epoch milliseconds. The generator's strings hold no commas or line breaks, so the
 * fields need no quoting.
 */
export function formatEvent(e: NexmarkEvent): string {
  switch (e.type) {
    case 'person': {
      const p = e.person;
      return `P,${p.id},${p.name},${p.emailAddress},${p.creditCard},${p.city},${p.state},${p.dateTime},${p.extra}`;
    }
    case 'auction': {
      const a = e.auction;
      return `A,${a.id},${a.itemName},${a.description},${a.initialBid},${a.reserve},${a.dateTime},${a.expires},${a.seller},${a.category},${a.extra}`;
    }
    case 'bid': {
      const b = e.bid;
      return `B,${b.auction},${b.bidder},${b.price},${b.dateTime},${b.extra}`;
    }
  }
}

const FIELDS = { P: 9, A: 11, B: 6 } as const;

const COMMA = 0x2c;
const KIND_P = 0x50;
const KIND_A = 0x41;
const KIND_B = 0x42;
/** Start offsets of the fields of the line being parsed (field i spans [starts[i], starts[i + 1] - 1)). */
const starts = new Int32Array(12);

/**
 * The event of one line of formatEvent's format; a malformed line throws an error quoting it.
 * Fields are found with one scan for commas and integers read from the characters in place, so a
 * line costs one object per event and one string per text field; anything that is not a plain
 * decimal integer of at most 15 digits is left to the general path, which gives the same value or
 * the same error as splitting the line would.
 */
export function parseEvent(line: string): NexmarkEvent {
  const kind = line.charCodeAt(0);
  if (kind === KIND_B && line.charCodeAt(1) === COMMA) {
    const bid = scanBid(line);
    if (bid !== undefined) return { type: 'bid', bid };
  }
  const expected = kind === KIND_B ? 6 : kind === KIND_A ? 11 : kind === KIND_P ? 9 : 0;
  if (expected === 0 || line.charCodeAt(1) !== COMMA || fieldStarts(line, expected) !== expected) return parseSplit(line);
  switch (kind) {
    case KIND_B:
      return {
        type: 'bid',
        bid: { auction: intAt(line, 1), bidder: intAt(line, 2), price: intAt(line, 3), dateTime: intAt(line, 4), extra: textAt(line, 5) },
      };
    case KIND_A:
      return {
        type: 'auction',
        auction: {
          id: intAt(line, 1),
          itemName: textAt(line, 2),
          description: textAt(line, 3),
          initialBid: intAt(line, 4),
          reserve: intAt(line, 5),
          dateTime: intAt(line, 6),
          expires: intAt(line, 7),
          seller: intAt(line, 8),
          category: intAt(line, 9),
          extra: textAt(line, 10),
        },
      };
    default:
      return {
        type: 'person',
        person: {
          id: intAt(line, 1),
          name: textAt(line, 2),
          emailAddress: textAt(line, 3),
          creditCard: textAt(line, 4),
          city: textAt(line, 5),
          state: textAt(line, 6),
          dateTime: intAt(line, 7),
          extra: textAt(line, 8),
        },
      };
  }
}

/** Where the integer that scanInt read last ends: the offset of the comma after it. */
let scanned = 0;

/**
 * The bid of a `B,` line in one pass over it (bids are most of the events): four integers read
 * as they are scanned, then the text to the end of the line. Undefined when a field is not a plain
 * integer or the text holds a comma; the caller's general path then gives the value or the error.
 */
function scanBid(line: string): Bid | undefined {
  const auction = scanInt(line, 2);
  const bidder = scanInt(line, scanned + 1);
  const price = scanInt(line, scanned + 1);
  const dateTime = scanInt(line, scanned + 1);
  const extra = scanned + 1;
  if (Number.isNaN(auction + bidder + price + dateTime) || line.indexOf(',', extra) >= 0) return undefined;
  return { auction, bidder, price, dateTime, extra: line.slice(extra) };
}

/**
 * The integer at `i` when it is plain decimal digits (1 to 15, with an optional minus) ending at
 * a comma, whose offset goes to `scanned`; NaN otherwise.
 */
function scanInt(line: string, i: number): number {
  const negative = line.charCodeAt(i) === 0x2d;
  if (negative) i++;
  const first = i;
  let n = 0;
  for (; ; i++) {
    const d = line.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) break;
    n = n * 10 + d;
  }
  if (i === first || i - first > 15 || line.charCodeAt(i) !== COMMA) return Number.NaN;
  scanned = i;
  return negative ? -n : n;
}

/** Fills `starts` with the field offsets of `line` and returns its number of fields, counting no further than `max` + 1. */
function fieldStarts(line: string, max: number): number {
  starts[0] = 0;
  let n = 1;
  let comma = line.indexOf(',');
  while (comma >= 0) {
    if (n === max) return n + 1;
    starts[n++] = comma + 1;
    comma = line.indexOf(',', comma + 1);
  }
  starts[n] = line.length + 1;
  return n;
}

function textAt(line: string, field: number): string {
  return line.slice(starts[field], starts[field + 1]! - 1);
}

/** Field `field` as an integer, read in place when it is plain digits (with an optional minus). */
function intAt(line: string, field: number): number {
  const start = starts[field]!;
  const end = starts[field + 1]! - 1;
  let i = start;
  const negative = line.charCodeAt(i) === 0x2d;
  if (negative) i++;
  if (i < end && end - i <= 15) {
    let n = 0;
    for (; i < end; i++) {
      const d = line.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === end) return negative ? -n : n;
  }
  return int(line.slice(start, end), line);
}

/** The general path: every line that the scan above does not take, including every malformed one. */
function parseSplit(line: string): NexmarkEvent {
  const f = line.split(',');
  const kind = f[0] as keyof typeof FIELDS;
  if (FIELDS[kind] === undefined || f.length !== FIELDS[kind]) {
    throw malformed(
      line,
      `a line must be P with 9, A with 11 or B with 6 comma-separated fields; this one has ${f.length} starting with ${JSON.stringify(f[0])}`,
    );
  }
  switch (kind) {
    case 'B':
      return {
        type: 'bid',
        bid: { auction: int(f[1]!, line), bidder: int(f[2]!, line), price: int(f[3]!, line), dateTime: int(f[4]!, line), extra: f[5]! },
      };
    case 'A':
      return {
        type: 'auction',
        auction: {
          id: int(f[1]!, line),
          itemName: f[2]!,
          description: f[3]!,
          initialBid: int(f[4]!, line),
          reserve: int(f[5]!, line),
          dateTime: int(f[6]!, line),
          expires: int(f[7]!, line),
          seller: int(f[8]!, line),
          category: int(f[9]!, line),
          extra: f[10]!,
        },
      };
    case 'P':
      return {
        type: 'person',
        person: {
          id: int(f[1]!, line),
          name: f[2]!,
          emailAddress: f[3]!,
          creditCard: f[4]!,
          city: f[5]!,
          state: f[6]!,
          dateTime: int(f[7]!, line),
          extra: f[8]!,
        },
      };
  }
}

function int(field: string, line: string): number {
  const n = Number(field);
  if (field.length === 0 || !Number.isSafeInteger(n)) throw malformed(line, `${JSON.stringify(field)} is not an integer`);
  return n;
}

function malformed(line: string, reason: string): SpindleError {
  const shown = line.length > 120 ? `${line.slice(0, 120)}...` : line;
  return new SpindleError(`malformed Nexmark event line ${JSON.stringify(shown)}: ${reason}`, { code: 'NEXMARK_EVENT', userFacing: true });
}
