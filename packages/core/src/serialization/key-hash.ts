import { encodeKey } from './key-codec.js';

/**
 * A stable 32-bit hash of keys: the same in every process, run and platform, so that keyBy routes
 * a key to the same key group everywhere. Based on MurmurHash3 (x86, 32-bit).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_POW_32 = 4294967296;

/** Seeds keep the hash families apart (a collision across them would be harmless: equality is by encoding). */
const Seed = {
  STRING: 0,
  NUMBER: 0x2f3a1c5d,
  ENCODED: 0x83f5d6c7,
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

/**
 * Stable 32-bit (signed) hash of a key, consistent with the key codec: keys with equal encodings
 * hash alike. Strings hash over their UTF-16 code units and numbers by value (the hot paths, and
 * the values of earlier releases); every other key over its canonical encoding (encodeKey).
 * `context` prefixes the message of an invalid key.
 */
export function keyHash(key: unknown, context?: string): number {
  if (typeof key === 'string') return hashString(key);
  if (typeof key === 'number') return hashNumber(key);
  return hashString(encodeKey(key, context), Seed.ENCODED);
}
