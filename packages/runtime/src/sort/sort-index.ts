/**
 * Sorting of a sorter's in-memory index (record numbers), shared by the task's thread and the
 * spill thread: a stable merge sort over any comparison, and for binary keys a radix sort on their
 * first 8 bytes followed by byte comparisons within equal prefixes. An entry of the arena is its
 * flags (1 byte), its key's length (4 bytes, little-endian), the binary key, then the serialized
 * record.
 */

/** Bytes before an entry's key: its flags and the key's length. */
export const HEADER = 5;
/** Entry flag: the key has no binary form; it is computed from the record and compared with the comparator. */
export const OPAQUE_KEY = 1;
/** Entry flag: the binary key is a string with surrogates, each code unit encoded apart (see normalized-keys.ts). */
export const SURROGATES = 4;
/** Bytes of a key held in the index as two 32-bit integers. */
export const PREFIX_BYTES = 8;
/** From this many records in memory, the radix sort takes 16-bit digits instead of 8-bit ones. */
const WIDE_RADIX_RECORDS = 1 << 16;
/** Below this many records, a range is sorted by insertion. */
const INSERTION_SORT = 12;

/** The index of binary keys: entry i spans [offsets[i], offsets[i + 1]) of `arena`, its key ends at keyEnds[i]. */
export interface BinaryIndex {
  arena: Buffer;
  offsets: Uint32Array;
  keyEnds: Uint32Array;
  prefixHigh: Uint32Array;
  prefixLow: Uint32Array;
}

/**
 * Sorts `order[from, to)` by `less`, keeping the order of equal elements (a merge sort with
 * insertion sort on short ranges); `scratch` is as long as `order`.
 */
export function mergeSort(order: Int32Array, scratch: Int32Array, from: number, to: number, less: (a: number, b: number) => boolean): void {
  if (to - from <= INSERTION_SORT) {
    for (let k = from + 1; k < to; k++) {
      const v = order[k]!;
      let m = k - 1;
      while (m >= from && less(v, order[m]!)) {
        order[m + 1] = order[m]!;
        m--;
      }
      order[m + 1] = v;
    }
    return;
  }
  const mid = (from + to) >>> 1;
  mergeSort(order, scratch, from, mid, less);
  mergeSort(order, scratch, mid, to, less);
  if (!less(order[mid]!, order[mid - 1]!)) return;
  scratch.set(order.subarray(from, mid), from);
  let a = from;
  let b = mid;
  let out = from;
  while (a < mid && b < to) order[out++] = less(order[b]!, scratch[a]!) ? order[b++]! : scratch[a++]!;
  while (a < mid) order[out++] = scratch[a++]!;
}

/** Compares the binary keys of entries i and j (`sign` -1: descending). */
export function compareBinary(index: BinaryIndex, sign: number, i: number, j: number): number {
  let a = index.prefixHigh[i]!;
  let b = index.prefixHigh[j]!;
  if (a !== b) return a < b ? -sign : sign;
  a = index.prefixLow[i]!;
  b = index.prefixLow[j]!;
  if (a !== b) return a < b ? -sign : sign;
  const { arena, offsets, keyEnds } = index;
  const startI = offsets[i]! + HEADER;
  const startJ = offsets[j]! + HEADER;
  const lengthI = keyEnds[i]! - startI;
  const lengthJ = keyEnds[j]! - startJ;
  // Keys of at most 8 bytes are their prefixes (zero-padded): the shorter one comes first.
  if (lengthI <= PREFIX_BYTES && lengthJ <= PREFIX_BYTES) return sign * (lengthI - lengthJ);
  return sign * arena.compare(arena, startJ, keyEnds[j], startI, keyEnds[i]);
}

/**
 * The first `n` entries of a binary index in key order (`sign` -1: descending), arrival order
 * among equal keys: a radix sort on the first 8 bytes (stable), then a merge sort within each range
 * of equal prefixes.
 */
export function sortBinaryIndex(index: BinaryIndex, n: number, sign: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  const scratch = new Int32Array(n);
  const { prefixHigh: high, prefixLow: low } = index;
  radixSort(order, scratch, low, sign < 0);
  radixSort(order, scratch, high, sign < 0);
  const less = (a: number, b: number): boolean => compareBinary(index, sign, a, b) < 0;
  for (let from = 0; from < n;) {
    const h = high[order[from]!];
    const l = low[order[from]!];
    let to = from + 1;
    while (to < n && high[order[to]!] === h && low[order[to]!] === l) to++;
    if (to - from > 1) mergeSort(order, scratch, from, to, less);
    from = to;
  }
  return order;
}

/**
 * Sorts the record numbers in `order` by `keys[record]` (unsigned; reversed when `descending`),
 * keeping their order among equal keys: an LSD radix sort of 8-bit digits, or of 16-bit digits
 * (half the passes) when there are records enough to fill their counts, skipping digits that all
 * records share. `scratch` is as long as `order`.
 */
function radixSort(order: Int32Array, scratch: Int32Array, keys: Uint32Array, descending: boolean): void {
  const n = order.length;
  const flip = descending ? 0xffffffff : 0;
  const bits = n >= WIDE_RADIX_RECORDS ? 16 : 8;
  const passes = 32 / bits;
  const radix = 1 << bits;
  const mask = radix - 1;
  const counts = new Int32Array(passes * radix);
  for (let k = 0; k < n; k++) {
    const v = (keys[order[k]!]! ^ flip) >>> 0;
    for (let pass = 0; pass < passes; pass++) counts[pass * radix + ((v >>> (pass * bits)) & mask)]!++;
  }
  let from = order;
  let to = scratch;
  for (let pass = 0; pass < passes; pass++) {
    const base = pass * radix;
    const shift = pass * bits;
    let skip = false;
    let sum = 0;
    for (let d = 0; d < radix; d++) {
      const c = counts[base + d]!;
      if (c === n) skip = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (skip) continue;
    for (let k = 0; k < n; k++) {
      const r = from[k]!;
      const d = (((keys[r]! ^ flip) >>> shift) & mask) + base;
      to[counts[d]!++] = r;
    }
    [from, to] = [to, from];
  }
  if (from !== order) order.set(from);
}
