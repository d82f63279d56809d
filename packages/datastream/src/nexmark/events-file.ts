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

/** The event of one line of formatEvent's format; a malformed line throws an error quoting it. */
export function parseEvent(line: string): NexmarkEvent {
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
