/**
 * Binary sort keys (Flink's normalized keys): keys whose byte-wise order is their natural order
 * (`compareValues`), so that the sorter compares records as bytes, without decoding them.
 *
 * A string is the tag STRING_TAG and then its UTF-16 code units, each encoded alone as UTF-8 encodes
 * a code point (CESU-8): the encoding keeps the code-unit order of JavaScript's `<` byte for byte,
 * and is plain UTF-8 when the string holds no surrogate. A number is NUMBER_TAG and the 8 bytes of
 * its IEEE 754 value with the sign bit flipped (negative numbers: every bit), big-endian, so that
 * numbers order by value; -0 is written as 0 (they are equal), NaN last. Numbers order before
 * strings, as in `compareValues`. Other keys have no binary form: the sorter compares them with
 * the comparator.
 */
export const NUMBER_TAG = 0x03;
export const STRING_TAG = 0x04;

const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);
type NativeBuffer = {
  utf8Write: (this: Buffer, s: string, offset: number) => number;
  utf8Slice: (this: Buffer, start: number, end: number) => string;
};
const { utf8Write, utf8Slice } = Buffer.prototype as unknown as NativeBuffer;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes the binary form of `key` takes at most; -1 when the key has none. */
export function maxKeyBytes(key: unknown): number {
  if (typeof key === 'string') return 1 + 3 * key.length;
  if (typeof key === 'number') return 9;
  return -1;
}

/**
 * Writes the binary form of a string or number key at `offset` (room for `maxKeyBytes` bytes);
 * returns the bytes written.
 */
export function writeKey(key: string | number, buf: Buffer, offset: number): number {
  if (typeof key === 'number') {
    buf[offset] = NUMBER_TAG;
    if (key !== key) {
      buf.fill(0, offset + 1, offset + 9);
      buf[offset + 1] = 0xff;
      buf[offset + 2] = 0xf8;
      return 9;
    }
    float[0] = key === 0 ? 0 : key;
    const negative = (floatBytes[LITTLE_ENDIAN ? 7 : 0]! & 0x80) !== 0;
    for (let i = 0; i < 8; i++) {
      const b = floatBytes[LITTLE_ENDIAN ? 7 - i : i]!;
      buf[offset + 1 + i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
    }
    return 9;
  }
  buf[offset] = STRING_TAG;
  const written = utf8Write.call(buf, key, offset + 1);
  // Plain UTF-8 holds a surrogate pair as one 4-byte sequence (and a lone surrogate as U+FFFD):
  // only then is each code unit written apart.
  if (written === key.length || !hasSurrogate(key)) return 1 + written;
  return 1 + writeCodeUnits(key, buf, offset + 1);
}

/**
 * The string whose binary form is at [start, end) of `buf` (STRING_TAG included); `surrogates`:
 * written with surrogates (see `hasSurrogate`), which plain UTF-8 cannot read.
 */
export function readStringKey(buf: Buffer, start: number, end: number, surrogates: boolean): string {
  return surrogates ? readCodeUnits(buf, start + 1, end) : utf8Slice.call(buf, start + 1, end);
}

/** The number whose binary form is at `start` of `buf`. */
export function readNumberKey(buf: Buffer, start: number): number {
  const negative = (buf[start + 1]! & 0x80) === 0;
  for (let i = 0; i < 8; i++) {
    const b = buf[start + 1 + i]!;
    floatBytes[LITTLE_ENDIAN ? 7 - i : i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
  return float[0]!;
}

/** True when `s` holds a UTF-16 surrogate (paired or not). */
export function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

function writeCodeUnits(s: string, buf: Buffer, offset: number): number {
  let p = offset;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - offset;
}

function readCodeUnits(buf: Buffer, start: number, end: number): string {
  const units: number[] = [];
  let p = start;
  while (p < end) {
    const b = buf[p]!;
    if (b < 0x80) {
      units.push(b);
      p++;
    } else if (b < 0xe0) {
      units.push(((b & 0x1f) << 6) | (buf[p + 1]! & 0x3f));
      p += 2;
    } else {
      units.push(((b & 0x0f) << 12) | ((buf[p + 1]! & 0x3f) << 6) | (buf[p + 2]! & 0x3f));
      p += 3;
    }
  }
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.slice(i, i + 8192));
  return out;
}
