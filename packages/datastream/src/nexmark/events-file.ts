import { SpindleError } from '@spindle/core';
import type { NexmarkEvent } from './model.js';

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

/**
 * The event of one line of formatEvent's format; a malformed line throws an error quoting it.
 * Fields are found with indexOf and integers read digit by digit, so a line costs its strings and
 * the event's objects only.
 */
export function parseEvent(line: string): NexmarkEvent {
  const kind = line.charCodeAt(1) === COMMA ? line[0] : undefined;
  const n = kind === 'B' || kind === 'A' || kind === 'P' ? FIELDS[kind] : 0;
  const at = n === 0 ? undefined : fieldStarts(line, n);
  if (at === undefined) return wrongFields(line);
  const str = (i: number): string => line.slice(at[i], at[i + 1]! - 1);
  const int = (i: number): number => intField(line, at[i]!, at[i + 1]! - 1);
  switch (kind) {
    case 'B':
      return { type: 'bid', bid: { auction: int(1), bidder: int(2), price: int(3), dateTime: int(4), extra: str(5) } };
    case 'A':
      return {
        type: 'auction',
        auction: {
          id: int(1),
          itemName: str(2),
          description: str(3),
          initialBid: int(4),
          reserve: int(5),
          dateTime: int(6),
          expires: int(7),
          seller: int(8),
          category: int(9),
          extra: str(10),
        },
      };
    default:
      return {
        type: 'person',
        person: {
          id: int(1),
          name: str(2),
          emailAddress: str(3),
          creditCard: str(4),
          city: str(5),
          state: str(6),
          dateTime: int(7),
          extra: str(8),
        },
      };
  }
}

const COMMA = 44;
const ZERO = 48;
const MINUS = 45;
/** Reused: field i of the line being parsed is [starts[i], starts[i + 1] - 1). */
const starts: number[] = [];

/** The start of each of the line's `n` fields and one past its end, or undefined when it has another number of fields. */
function fieldStarts(line: string, n: number): number[] | undefined {
  starts[0] = 0;
  let from = 0;
  for (let i = 1; i < n; i++) {
    const comma = line.indexOf(',', from);
    if (comma < 0) return undefined;
    from = comma + 1;
    starts[i] = from;
  }
  if (line.indexOf(',', from) >= 0) return undefined;
  starts[n] = line.length + 1;
  return starts;
}

function wrongFields(line: string): never {
  const f = line.split(',');
  throw malformed(
    line,
    `a line must be P with 9, A with 11 or B with 6 comma-separated fields; this one has ${f.length} starting with ${JSON.stringify(f[0])}`,
  );
}

/** The integer in line[from, to): plain digits with an optional minus are read directly, anything else as Number reads it. */
function intField(line: string, from: number, to: number): number {
  let i = from;
  const negative = line.charCodeAt(i) === MINUS;
  if (negative) i++;
  let value = 0;
  if (i < to && to - i <= 15) {
    for (; i < to; i++) {
      const d = line.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === to) return negative ? -value : value;
  }
  const field = line.slice(from, to);
  const number = Number(field);
  if (field.length === 0 || !Number.isSafeInteger(number)) throw malformed(line, `${JSON.stringify(field)} is not an integer`);
  return number;
}

function malformed(line: string, reason: string): SpindleError {
  const shown = line.length > 120 ? `${line.slice(0, 120)}...` : line;
  return new SpindleError(`malformed Nexmark event line ${JSON.stringify(shown)}: ${reason}`, { code: 'NEXMARK_EVENT', userFacing: true });
}
