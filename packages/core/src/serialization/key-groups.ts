import { SpindleError } from '../errors.js';
import { keyHash, murmurMix } from './key-hash.js';

/**
 * Key groups, as in Flink's KeyGroupRangeAssignment: keys map to one of `maxParallelism` key
 * groups, and each parallel operator instance owns a contiguous range of key groups, so keyed
 * state can be redistributed when the parallelism changes.
 */

export const LOWER_BOUND_MAX_PARALLELISM = 128;
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

export interface KeyGroupRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** The key group of a key; `context` prefixes the message of an invalid key (e.g. `keyBy of 'Totals'`). */
export function assignToKeyGroup(key: unknown, maxParallelism: number, context?: string): number {
  return computeKeyGroupForKeyHash(keyHash(key, context), maxParallelism);
}

/**
 * `(murmurMix(hash) >>> 0) % maxParallelism` (Flink's `MathUtils.murmurHash(hash) % maxParallelism`
 * on the unsigned mix) in small-integer arithmetic: an unsigned 32-bit value above 2^31 is not a
 * small integer to V8, and its remainder would be taken in floating point, at several times the
 * cost of the whole hash. A power of two (the default maximum parallelism is one) keeps the low
 * bits; any other modulus works on the two 16-bit halves of the mix, whose intermediates stay
 * below 2^31 for the maximum parallelisms Spindle accepts (at most 32768) and exact far beyond.
 */
export function computeKeyGroupForKeyHash(hash: number, maxParallelism: number): number {
  const mixed = murmurMix(hash);
  if ((maxParallelism & (maxParallelism - 1)) === 0) return mixed & (maxParallelism - 1);
  return (((mixed >>> 16) % maxParallelism) * (0x10000 % maxParallelism) + (mixed & 0xffff)) % maxParallelism;
}

export function computeOperatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The index of the parallel operator instance that owns `key`. */
export function assignKeyToParallelOperator(key: unknown, maxParallelism: number, parallelism: number): number {
  return computeOperatorIndexForKeyGroup(maxParallelism, parallelism, assignToKeyGroup(key, maxParallelism));
}

/** 1.5 × parallelism rounded up to a power of two, within [128, 32768]. */
export function computeDefaultMaxParallelism(parallelism: number): number {
  checkPositiveInt('parallelism', parallelism);
  const wanted = roundUpToPowerOfTwo(parallelism + Math.floor(parallelism / 2));
  return Math.min(Math.max(wanted, LOWER_BOUND_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM);
}

function roundUpToPowerOfTwo(n: number): number {
  if (n <= 1) return 1;
  if (n > 2 ** 30) return 2 ** 31;
  return 2 ** (32 - Math.clz32(n - 1));
}

/** The key groups owned by operator instance `operatorIndex`, consistent with computeOperatorIndexForKeyGroup. */
export function keyGroupRangeFor(maxParallelism: number, parallelism: number, operatorIndex: number): KeyGroupRange {
  checkPositiveInt('maxParallelism', maxParallelism);
  checkPositiveInt('parallelism', parallelism);
  if (parallelism > maxParallelism) {
    throw invalidArgument(`parallelism ${parallelism} exceeds the maximum parallelism ${maxParallelism}`);
  }
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
    throw invalidArgument(`operator index ${operatorIndex} is outside [0, ${parallelism})`);
  }
  const start = Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism);
  return { start, end };
}

function checkPositiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw invalidArgument(`${name} must be a positive integer, got ${n}`);
}

function invalidArgument(message: string): SpindleError {
  return new SpindleError(message, { code: 'INVALID_ARGUMENT', recoverability: 'non-recoverable' });
}
