import { SpindleError } from '../errors.js';

/**
 * A stable 32-bit hash of key values: the same in every process, run and platform, so that keyBy
 * routes a key to the same key group everywhere. Based on MurmurHash3 (x86, 32-bit).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_POW_32 = 4294967296;

/** Distinct seeds keep values of different types apart: '1' and 1, [] and {}, null and undefined. */
const Seed = {
  STRING: 0,
  NUMBER: 0x2f3a1c5d,
  BOOLEAN: 0x4b1d9e37,
  NULL: 0x5a17c3e9,
  UNDEFINED: 0x6e2b8f41,
  BIGINT: 0x71c4a2b3,
  ARRAY: 0x83f5d6c7,
  OBJECT: 0x94a7e8d1,
  DATE: 0xa5b9f0e3,
  BYTES: 0xb6cb02f5,
} as const;

const floatView = new DataView(new ArrayBuffer(8));

/** The MurmurHash3 32-bit finalizer: spreads every input bit over the whole result. */
export function murmurMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** One MurmurHash3 body step: folds a 32-bit block into the running hash. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixTail(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return h ^ Math.imul(k, C2);
}

/** MurmurHash3 over the UTF-16LE code units of `s`, two code units per block. */
export function hashString(s: string, seed: number = Seed.STRING): number {
  const len = s.length;
  let h = seed;
  let i = 0;
  for (; i + 1 < len; i += 2) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < len) h = mixTail(h, s.charCodeAt(i));
  return murmurMix(h ^ (len * 2));
}

function hashWords(seed: number, lo: number, hi: number): number {
  return murmurMix(mixBlock(mixBlock(seed, lo), hi) ^ 8);
}

/** Integers hash by value (so 1 and 1.0 agree, and -0 equals 0); other numbers by their IEEE 754 bits. */
function hashNumber(n: number): number {
  if ((n | 0) === n) return hashWords(Seed.NUMBER, n, n < 0 ? -1 : 0);
  if (Number.isInteger(n)) {
    const hi = Math.floor(n / TWO_POW_32);
    return hashWords(Seed.NUMBER, n - hi * TWO_POW_32, hi);
  }
  floatView.setFloat64(0, Number.isNaN(n) ? NaN : n, true);
  return hashWords(Seed.NUMBER, floatView.getInt32(0, true), floatView.getInt32(4, true));
}

function hashBytes(b: Uint8Array): number {
  let h: number = Seed.BYTES;
  let i = 0;
  for (; i + 3 < b.length; i += 4) h = mixBlock(h, b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
  let tail = 0;
  for (let shift = 0; i < b.length; i++, shift += 8) tail |= b[i]! << shift;
  return murmurMix(mixTail(h, tail) ^ b.length);
}

function hashArray(a: readonly unknown[]): number {
  let h: number = Seed.ARRAY;
  for (let i = 0; i < a.length; i++) h = mixBlock(h, hashValue(a[i]));
  return murmurMix(h ^ a.length);
}

/** Keys are visited in sorted order, so {a, b} and {b, a} hash alike. */
function hashObject(o: Record<string, unknown>): number {
  const keys = Object.keys(o).sort();
  let h: number = Seed.OBJECT;
  for (const key of keys) h = mixBlock(mixBlock(h, hashString(key)), hashValue(o[key]));
  return murmurMix(h ^ keys.length);
}

function hashValue(v: unknown): number {
  switch (typeof v) {
    case 'string': return hashString(v);
    case 'number': return hashNumber(v);
    case 'boolean': return hashWords(Seed.BOOLEAN, v ? 1 : 0, 0);
    case 'undefined': return hashWords(Seed.UNDEFINED, 0, 0);
    case 'bigint': return hashString(v.toString(), Seed.BIGINT);
    case 'object': return v === null ? hashWords(Seed.NULL, 0, 0) : hashObjectValue(v);
    default: throw unhashable(`a ${typeof v}`);
  }
}

function hashObjectValue(v: object): number {
  if (Array.isArray(v)) return hashArray(v);
  if (v instanceof Uint8Array) return hashBytes(v);
  if (v instanceof Date) return hashString(String(v.getTime()), Seed.DATE);
  if (v instanceof Map || v instanceof Set) throw unhashable(`a ${v.constructor.name}`);
  return hashObject(v as Record<string, unknown>);
}

function unhashable(what: string): SpindleError {
  return new SpindleError(`cannot use ${what} as a key; keys must be strings, numbers, booleans, bigints, arrays or plain objects`, {
    code: 'INVALID_KEY',
    recoverability: 'non-recoverable',
    userFacing: true,
  });
}

/** Stable 32-bit (signed) hash of a key: strings, numbers, booleans, bigint, null/undefined, Date, bytes, arrays, plain objects. */
export function keyHash(key: unknown): number {
  if (typeof key === 'string') return hashString(key);
  try {
    return hashValue(key);
  } catch (e) {
    if (e instanceof RangeError) throw unhashable('a cyclic or too deeply nested value');
    throw e;
  }
}
