/**
 * The line scanner of the Nexmark events file source, run on the source's reader thread over each
 * piece of lines (see LineScanModule): the bids, most of the events, are scanned there, so the
 * task's thread only builds their objects. Four ints and four numbers per line:
 *
 *   ints:    kind (1: a bid scanned here, 0: a line for parseEvent), line start, line end
 *            (without a carriage return), start of the bid's extra text
 *   numbers: auction, bidder, price, dateTime (bids)
 *
 * Offsets count characters of the piece's text, which equal bytes as a scanned piece is ASCII
 * (a piece with other bytes is not scanned). A bid is scanned exactly when parseEvent's one-pass
 * path takes its line (four plain decimal integers of 1 to 15 digits with an optional minus, and
 * extra text without a comma), so the values are the same.
 */
import type { LineScan } from '../sources/line-reader.js';

const NL = 10;
const CR = 13;
const COMMA = 0x2c;
const MINUS = 0x2d;
const KIND_B = 0x42;

export function scanLines(text: Uint8Array): LineScan {
  const length = text.length;
  // Room for lines of 64 bytes on average, grown when they are shorter.
  let ints = new Int32Array(4 * (1 + (length >> 6)));
  let numbers = new Float64Array(ints.length);
  // The text as 32-bit words, when it starts at a word boundary.
  const words = text.byteOffset % 4 === 0 ? new Int32Array(text.buffer, text.byteOffset, length >> 2) : undefined;
  const wordCount = length >> 2;
  let j = 0;
  for (let start = 0; start <= length; j += 4) {
    if (j === ints.length) {
      ints = grown(ints, new Int32Array(2 * j));
      numbers = grown(numbers, new Float64Array(2 * j));
    }
    // One pass over the line: a bid's integers as they come, then on to the newline, noting commas.
    let i = start;
    let bid = text[i] === KIND_B && text[i + 1] === COMMA;
    if (bid) {
      i += 2;
      for (let f = 0; f < 4 && bid; f++) {
        const n = scanInt(text, i, length);
        if (Number.isNaN(n)) bid = false;
        else {
          numbers[j + f] = n;
          i = scanned + 1;
        }
      }
      ints[j + 3] = i;
    }
    let comma = false;
    if (words !== undefined) {
      // Four bytes at a time from the first whole word (ASCII bytes: a word holds a byte b
      // exactly when (w ^ b×0x01010101) has a zero byte).
      for (; (i & 3) !== 0 && i < length; i++) {
        const b = text[i];
        if (b === NL) break;
        if (b === COMMA) comma = true;
      }
      if (text[i] !== NL) {
        let w = i >> 2;
        for (; w < wordCount; w++) {
          const x = words[w]!;
          const n = x ^ 0x0a0a0a0a;
          if (((n - 0x01010101) & ~n & 0x80808080) !== 0) break;
          const c = x ^ 0x2c2c2c2c;
          if (((c - 0x01010101) & ~c & 0x80808080) !== 0) comma = true;
        }
        if (w << 2 > i) i = w << 2;
      }
    }
    for (; i < length; i++) {
      const b = text[i];
      if (b === NL) break;
      if (b === COMMA) comma = true;
    }
    const end = i > start && text[i - 1] === CR ? i - 1 : i;
    ints[j] = bid && !comma ? 1 : 0;
    ints[j + 1] = start;
    ints[j + 2] = end;
    start = i + 1;
  }
  return { ints: ints.subarray(0, j), numbers: numbers.subarray(0, j) };
}

function grown<A extends Int32Array | Float64Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

/** Where the field that scanInt read last ends: the offset of the comma after it. */
let scanned = 0;

/** The integer at `i` when it is 1 to 15 decimal digits (with an optional minus) followed by a comma before `end`; NaN otherwise. */
function scanInt(text: Uint8Array, i: number, end: number): number {
  const negative = text[i] === MINUS && i < end;
  if (negative) i++;
  const first = i;
  let n = 0;
  for (; i < end; i++) {
    const d = text[i]! - 0x30;
    if (!(d >= 0 && d <= 9)) break;
    n = n * 10 + d;
  }
  if (i === first || i - first > 15 || i >= end || text[i] !== COMMA) return Number.NaN;
  scanned = i;
  return negative ? -n : n;
}
