import { ExternalSorter, compareEncodedKeys, compareValues, type OperatorContext } from '@spindle/runtime/task';

/** A record with the encoding of its key (the key codec's), as grouped operators sort it. */
export type Keyed = [key: string, record: unknown];

/**
 * A sorter of the operator's managed memory and spill directories, by `sortKey` and `compare`;
 * `naturalOrder` declares that `compare` is `compareValues`' order (so keys compare as bytes).
 */
export function sorterFor<K>(
  ctx: OperatorContext,
  sortKey: (record: unknown) => K,
  compare: (a: K, b: K) => number,
  share = 1,
  naturalOrder?: 'ASCENDING' | 'DESCENDING',
): ExternalSorter<K> {
  return new ExternalSorter<K>({
    operatorName: ctx.operatorName,
    memoryBudget: Math.max(1, Math.floor(ctx.managedMemory * share)),
    tmpDirs: ctx.tmpDirs,
    sortKey,
    compare,
    ...(naturalOrder ? { naturalOrder } : {}),
  });
}

/** A sorter that groups `[key, record]` pairs by key, keeping arrival order within a key. */
export function groupingSorter(ctx: OperatorContext, share = 1): ExternalSorter<string> {
  return sorterFor(ctx, (entry) => (entry as Keyed)[0], compareEncodedKeys, share, 'ASCENDING');
}

/** A sorter that keeps arrival order: a buffer of records that spills when memory is short. */
export function bufferSorter(ctx: OperatorContext, share = 1): ExternalSorter<number> {
  return sorterFor(ctx, () => 0, compareValues, share, 'ASCENDING');
}

/**
 * The groups of `[key, record]` pairs sorted by key, one key at a time: each is an iterable of that
 * key's records, read from the sorted stream as it is consumed (a group is never held in memory);
 * read a group before asking for the next, whose records the unread rest of it are skipped for.
 */
export function* groups(sorted: Iterator<unknown>): Generator<Iterable<unknown>, void, undefined> {
  let next = sorted.next();
  while (!next.done) {
    const key = (next.value as Keyed)[0];
    const records: Iterable<unknown> = {
      *[Symbol.iterator]() {
        while (!next.done && (next.value as Keyed)[0] === key) {
          const record = (next.value as Keyed)[1];
          next = sorted.next();
          yield record;
        }
      },
    };
    yield records;
    while (!next.done && (next.value as Keyed)[0] === key) next = sorted.next();
  }
}
