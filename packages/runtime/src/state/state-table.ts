import { decodeKey, encodeKey, type KeyGroupRange } from '@spindle/core';
import type { TtlPolicy } from './ttl.js';

/** What the backend's current key is, as the states read it (one object shared by all states). */
export interface KeyContext {
  /** Index of the current key group within the backend's range; -1 when no key is set. */
  groupIndex: number;
  /** The current key's storage key (see storageKeyOf). */
  key: unknown;
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

/**
 * The cells of one state: one map per key group of the backend's range, from storage key (see
 * storageKeyOf) to the stored cell, so snapshots are written per key group and a record of a
 * string or number key costs one Map lookup with no encoding.
 */
export class StateTable<C> {
  readonly groups: Map<unknown, C>[];
  private cursorGroup = 0;
  private cursor: MapIterator<[unknown, C]> | undefined;

  constructor(
    readonly range: KeyGroupRange,
    readonly ttl: TtlPolicy | undefined,
    private readonly purge: PurgeExpired<C>,
  ) {
    this.groups = Array.from({ length: range.end - range.start + 1 }, () => new Map<unknown, C>());
  }

  group(keyGroup: number): Map<unknown, C> {
    const g = this.groups[keyGroup - this.range.start];
    if (g === undefined) throw new RangeError(`key group ${keyGroup} is outside [${this.range.start}, ${this.range.end}]`);
    return g;
  }

  /** Checks up to `n` entries for expiry, resuming where the previous call stopped (Flink's incremental cleanup). */
  cleanupStep(n: number): void {
    const ttl = this.ttl;
    if (ttl === undefined) return;
    const now = ttl.now();
    for (let checked = 0; checked < n;) {
      const map = this.groups[this.cursorGroup];
      if (map === undefined) {
        this.cursorGroup = 0;
        this.cursor = undefined;
        return;
      }
      this.cursor ??= map.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursorGroup++;
        this.cursor = undefined;
        continue;
      }
      checked++;
      const [key, cell] = next.value;
      const kept = this.purge(cell, now);
      if (kept === undefined) map.delete(key);
      else if (kept !== cell) map.set(key, kept);
    }
  }
}
