import { encodeKey } from '@spindle/core';

/**
 * The map behind a MapState: user keys are equal when core's key codec says so (`[1, 'a']` from two
 * records is one key). Strings and numbers index a native Map directly (SameValueZero agrees with
 * the codec); other keys are indexed by their encoding and keep the object first put.
 */
export class UserKeyMap<V> {
  private readonly direct = new Map<string | number, V>();
  private readonly encoded = new Map<string, [unknown, V]>();

  constructor(private readonly context: string) {}

  get(key: unknown): V | undefined {
    if (typeof key === 'string' || typeof key === 'number') return this.direct.get(key);
    return this.encoded.get(encodeKey(key, this.context))?.[1];
  }

  has(key: unknown): boolean {
    if (typeof key === 'string' || typeof key === 'number') return this.direct.has(key);
    return this.encoded.has(encodeKey(key, this.context));
  }

  set(key: unknown, value: V): void {
    if (typeof key === 'string' || typeof key === 'number') {
      this.direct.set(key, value);
      return;
    }
    const k = encodeKey(key, this.context);
    const existing = this.encoded.get(k);
    if (existing === undefined) this.encoded.set(k, [key, value]);
    else existing[1] = value;
  }

  delete(key: unknown): boolean {
    if (typeof key === 'string' || typeof key === 'number') return this.direct.delete(key);
    return this.encoded.delete(encodeKey(key, this.context));
  }

  get size(): number {
    return this.direct.size + this.encoded.size;
  }

  *entries(): IterableIterator<[unknown, V]> {
    yield* this.direct.entries();
    for (const entry of this.encoded.values()) yield [entry[0], entry[1]];
  }
}
