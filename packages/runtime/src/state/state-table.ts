import { assignToKeyGroup, decodeKey, encodeKey, type KeyGroupRange } from '@spindle/core';
import { stateError } from './state-errors.js';
import type { TtlPolicy } from './ttl.js';

/**
 * What the backend's current key is, as the states read it (one object shared by all states). The
 * key group is computed when something needs it (resolveKeyGroup): state access outside the value
 * fast path, a new key in a value state, timers and snapshots, so a record whose key already has
 * a value costs no key hash here (the partitioner upstream hashed it to route it).
 */
export class KeyContext {
  /** Whether a key is current. */
  active = false;
  /** The current key's storage key (see storageKeyOf). */
  key: unknown = undefined;
  /** The current key as the user gave it. */
  userKey: unknown = undefined;
  /** The current key's key group; -1 until resolveKeyGroup computes it. */
  keyGroup = -1;

  constructor(
    readonly maxParallelism: number,
    readonly range: KeyGroupRange,
  ) {}

  /**
   * The current key's key group, computed once per key; throws KEY_GROUP_OUT_OF_RANGE for a key
   * of a key group this subtask does not own (as Flink's state tables do on access).
   */
  resolveKeyGroup(): number {
    if (this.keyGroup >= 0) return this.keyGroup;
    const keyGroup = assignToKeyGroup(this.userKey, this.maxParallelism);
    if (keyGroup < this.range.start || keyGroup > this.range.end) {
      throw stateError(
        'KEY_GROUP_OUT_OF_RANGE',
        `key ${encodedKeyOfStorage(this.key)} belongs to key group ${keyGroup}, outside this subtask's key groups [${this.range.start}, ${this.range.end}]`,
        false,
      );
    }
    this.keyGroup = keyGroup;
    return keyGroup;
  }
}

/**
 * The key a state table stores a key's cells under. Primitive keys are stored as themselves:
 * strings, booleans, null, undefined and bigints, whose Map equality (SameValueZero) is the key
 * codec's, and numbers with -0 made 0 (SameValueZero already treats every NaN as one key). Other
 * keys (Dates, bytes, arrays, objects) and strings starting with U+0000 or U+0001 are stored as
 * U+0000 followed by their encoding in core's key codec, which no stored raw string starts with.
 * Keys are encoded only for snapshots (encodedKeyOfStorage). A cell in a namespace other than the
 * default one (a window) is stored under namespacedStorageKey, which starts with U+0001.
 */
export function storageKeyOf(key: unknown): unknown {
  switch (typeof key) {
    case 'string':
      return key.charCodeAt(0) <= 1 ? '\u0000' + encodeKey(key) : key;
    case 'number':
      return key === 0 ? 0 : key;
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return key;
    default:
      return key === null ? null : '\u0000' + encodeKey(key);
  }
}

/** storageKeyOf for a key whose encoding is known already (timers, restore). */
export function storageKeyOfEncoded(key: unknown, encodedKey: string): unknown {
  return (typeof key === 'object' && key !== null) || (typeof key === 'string' && key.charCodeAt(0) <= 1)
    ? '\u0000' + encodedKey
    : storageKeyOf(key);
}

/** The key stored under `storageKey` (objects decoded afresh). */
export function keyOfStorage(storageKey: unknown): unknown {
  return typeof storageKey === 'string' && storageKey.charCodeAt(0) === 0 ? decodeKey(storageKey.slice(1)) : storageKey;
}

/** The key codec's encoding of the key stored under `storageKey`. */
export function encodedKeyOfStorage(storageKey: unknown): string {
  return typeof storageKey === 'string' && storageKey.charCodeAt(0) === 0 ? storageKey.slice(1) : encodeKey(storageKey);
}

/**
 * The storage key of a cell in a namespace: U+0001, the key's encoding with its length in front,
 * then the namespace's encoding (see NamespaceSerializer), so both can be split off for snapshots.
 */
export function namespacedStorageKey(encodedKey: string, encodedNamespace: string): string {
  return '\u0001' + encodedKey.length + ':' + encodedKey + encodedNamespace;
}

export function isNamespacedStorageKey(storageKey: unknown): storageKey is string {
  return typeof storageKey === 'string' && storageKey.charCodeAt(0) === 1;
}

/** [encoded key, encoded namespace] of a namespacedStorageKey. */
export function splitNamespacedStorageKey(storageKey: string): [string, string] {
  const colon = storageKey.indexOf(':');
  const length = Number(storageKey.slice(1, colon));
  return [storageKey.slice(colon + 1, colon + 1 + length), storageKey.slice(colon + 1 + length)];
}

/**
 * How a state or timer namespace (a window) is written as a string for storage keys, timer ids
 * and snapshots (Flink's namespace serializer): `decode(encode(n))` gives back an equal namespace,
 * and equal namespaces have equal encodings. The default is core's key codec.
 */
export interface NamespaceSerializer<N> {
  encode(namespace: N): string;
  decode(encoded: string): N;
}

export const KEY_CODEC_NAMESPACES: NamespaceSerializer<unknown> = {
  encode: (n) => encodeKey(n, 'state namespace'),
  decode: (s) => decodeKey(s),
};

/** Removes what has expired from a stored cell: the cell to keep (maybe a new one) or undefined. */
export type PurgeExpired<C> = (cell: C, now: number) => C | undefined;

/** The key group of the key a cell is stored under (plain or namespaced storage key). */
export function keyGroupOfStorage(storageKey: unknown, maxParallelism: number): number {
  const key = isNamespacedStorageKey(storageKey) ? decodeKey(splitNamespacedStorageKey(storageKey)[0]) : keyOfStorage(storageKey);
  return assignToKeyGroup(key, maxParallelism);
}

/**
 * The cells of one state: one map for all keys of the backend's key groups, from storage key (see
 * storageKeyOf) to the stored cell, so a record of a string or number key costs one Map lookup
 * with no encoding or hashing of its own. Snapshots group the entries by key group (byKeyGroup).
 */
export class StateTable<C> {
  readonly cells = new Map<unknown, C>();
  private cursor: MapIterator<[unknown, C]> | undefined;

  constructor(
    readonly ttl: TtlPolicy | undefined,
    private readonly purge: PurgeExpired<C>,
  ) {}

  /** The entries per key group, for a snapshot. */
  byKeyGroup(maxParallelism: number): Map<number, [unknown, C][]> {
    const groups = new Map<number, [unknown, C][]>();
    for (const entry of this.cells) {
      const keyGroup = keyGroupOfStorage(entry[0], maxParallelism);
      const group = groups.get(keyGroup);
      if (group === undefined) groups.set(keyGroup, [entry]);
      else group.push(entry);
    }
    return groups;
  }

  /**
   * Checks up to `n` entries for expiry at time `now` (default: the clock's), resuming where the
   * previous call stopped (Flink's incremental cleanup).
   */
  cleanupStep(n: number, now?: number): void {
    const ttl = this.ttl;
    if (ttl === undefined) return;
    now ??= ttl.now();
    const map = this.cells;
    for (let checked = 0; checked < n && map.size > 0;) {
      this.cursor ??= map.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        return;
      }
      checked++;
      const [key, cell] = next.value;
      const kept = this.purge(cell, now);
      if (kept === undefined) map.delete(key);
      else if (kept !== cell) map.set(key, kept);
    }
  }
}
