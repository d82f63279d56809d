import { SpindleError } from '../errors.js';
import { isPlainObject } from './generic-unsupported.js';
import { isAvroRecord } from './avro-serializer.js';

/**
 * The one key codec: what makes two keys equal for hashing, partitioning and keyed state. A key
 * is encoded into a canonical string, so equal keys have equal encodings whatever objects carry
 * them, and the encoding is reversible (decodeKey), so keys can be restored from a snapshot.
 *
 * Keys are plain data, as Flink requires keys with a deterministic hashCode:
 * - strings, numbers (`1` and `1.0` are one number; `-0` is the key `0`; every NaN is one key),
 *   bigints, booleans, null and undefined (two different keys);
 * - Dates (by epoch milliseconds) and Uint8Arrays/Buffers (by bytes; decoded as Uint8Array);
 * - arrays (tuples) of keys, holes read as undefined;
 * - plain objects of keys (and Avro records as avsc decodes them), by their own enumerable string
 *   keys in sorted order, so `{a, b}` and `{b, a}` are one key; a property set to undefined is
 *   not the same as an absent one.
 * Values of different types are never equal: '1', 1, 1n, true and ['1'] are five keys.
 * Anything else (functions, symbols, Maps, Sets, other class instances, cycles) throws a
 * user-facing SpindleError with code INVALID_KEY naming the value and its path.
 *
 * Grammar (every value self-delimiting): `u` undefined, `z` null, `t`/`f` booleans,
 * `n<number>;`, `b<bigint>;`, `d<epoch ms>;`, `s<length>:<string>`, `y<length>:<bytes as chars>`,
 * `a<count>:<values>`, `o<count>:<string key, value>...` with keys sorted by UTF-16 code units.
 */

export const KEY_TYPES_SUPPORTED =
  'strings, numbers, bigints, booleans, null, undefined, Dates, Uint8Arrays, or arrays and plain objects of these';

/** Thrown inside the encoder; the path is filled in on the way out. */
class BadKey extends Error {
  constructor(
    readonly what: string,
    public path: string,
  ) {
    super(what);
  }
}

/**
 * The canonical encoding of a key. `context` (e.g. `keyBy of 'Totals'`) prefixes the error message
 * when the key cannot be encoded.
 */
export function encodeKey(key: unknown, context?: string): string {
  try {
    return encodeValue(key);
  } catch (e) {
    if (e instanceof BadKey) throw invalidKey(`cannot use ${e.what} as a key${e.path === '' ? '' : ` (at key${e.path})`}`, context);
    if (e instanceof RangeError) throw invalidKey('cannot use a cyclic or too deeply nested value as a key', context);
    throw e;
  }
}

function invalidKey(problem: string, context: string | undefined): SpindleError {
  const where = context === undefined ? '' : `${context}: `;
  return new SpindleError(`${where}${problem}; keys must be ${KEY_TYPES_SUPPORTED}`, {
    code: 'INVALID_KEY',
    recoverability: 'non-recoverable',
    userFacing: true,
  });
}

function encodeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 's' + v.length + ':' + v;
    case 'number':
      return `n${canonicalNumber(v)};`;
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `b${v.toString()};`;
    case 'object':
      return v === null ? 'z' : encodeObject(v);
    default:
      throw new BadKey(`a ${typeof v}`, '');
  }
}

/** -0 is 0; String() of a number is exact and the same on every platform (ECMAScript Number::toString). */
function canonicalNumber(n: number): string {
  return n === 0 ? '0' : String(n);
}

function encodeObject(v: object): string {
  if (Array.isArray(v)) return encodeArray(v);
  if (v instanceof Date) return `d${canonicalNumber(v.getTime())};`;
  if (v instanceof Uint8Array) return `y${v.length}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1')}`;
  if (isPlainObject(v) || isAvroRecord(v)) return encodePlainObject(v as Record<string, unknown>);
  const name = (v.constructor as { name?: unknown } | undefined)?.name;
  throw new BadKey(typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a custom prototype', '');
}

function encodeArray(a: readonly unknown[]): string {
  let out = 'a' + a.length + ':';
  for (let i = 0; i < a.length; i++) out += nested(a[i], i);
  return out;
}

function encodePlainObject(o: Record<string, unknown>): string {
  const keys = Object.keys(o).sort();
  let out = 'o' + keys.length + ':';
  for (const k of keys) out += 's' + k.length + ':' + k + nested(o[k], k);
  return out;
}

/** Encodes an element or property; the path step is only worked out when the key is invalid. */
function nested(v: unknown, at: number | string): string {
  try {
    return encodeValue(v);
  } catch (e) {
    if (e instanceof BadKey) e.path = pathStep(at) + e.path;
    throw e;
  }
}

function pathStep(at: number | string): string {
  if (typeof at === 'number') return `[${at}]`;
  return /^[A-Za-z_$][\w$]*$/.test(at) ? `.${at}` : `[${JSON.stringify(at)}]`;
}

/** The key an encoding stands for: equal (by the codec) to the key that was encoded. */
export function decodeKey(encoded: string): unknown {
  const reader = new KeyReader(encoded);
  const value = reader.value();
  if (reader.pos !== encoded.length) throw corrupt(encoded);
  return value;
}

class KeyReader {
  pos = 0;

  constructor(private readonly s: string) {}

  value(): unknown {
    const tag = this.s[this.pos++];
    switch (tag) {
      case 'u':
        return undefined;
      case 'z':
        return null;
      case 't':
        return true;
      case 'f':
        return false;
      case 'n':
        return Number(this.until(';'));
      case 'b':
        return BigInt(this.until(';'));
      case 'd':
        return new Date(Number(this.until(';')));
      case 's':
        return this.chars(this.count());
      case 'y':
        return new Uint8Array(Buffer.from(this.chars(this.count()), 'latin1'));
      case 'a':
        return Array.from({ length: this.count() }, () => this.value());
      case 'o':
        return this.object(this.count());
      default:
        throw corrupt(this.s);
    }
  }

  private object(count: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      if (this.s[this.pos++] !== 's') throw corrupt(this.s);
      const key = this.chars(this.count());
      Object.defineProperty(o, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }

  private until(end: string): string {
    const i = this.s.indexOf(end, this.pos);
    if (i < 0) throw corrupt(this.s);
    const text = this.s.slice(this.pos, i);
    this.pos = i + 1;
    return text;
  }

  private count(): number {
    const text = this.until(':');
    if (!/^\d+$/.test(text)) throw corrupt(this.s);
    return Number(text);
  }

  private chars(n: number): string {
    if (this.pos + n > this.s.length) throw corrupt(this.s);
    const text = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    return text;
  }
}

function corrupt(encoded: string): SpindleError {
  return new SpindleError(`corrupt key encoding ${JSON.stringify(encoded.slice(0, 80))}`, {
    code: 'CORRUPT',
    recoverability: 'non-recoverable',
  });
}

/**
 * A map from keys to values with the codec's equality: `[1, 'a']` from two records is one key.
 * String and number keys (the common ones) index native Maps directly, whose equality agrees with
 * the codec's (SameValueZero: -0 is 0, NaN is NaN); other keys are indexed by their encoding.
 * `context` prefixes the message of an invalid key (e.g. `keyBy of 'Totals'`).
 */
export class KeyMap<V> {
  private readonly strings = new Map<string, V>();
  private readonly numbers = new Map<number, V>();
  private readonly others = new Map<string, V>();

  constructor(private readonly context?: string) {}

  get(key: unknown): V | undefined {
    if (typeof key === 'string') return this.strings.get(key);
    if (typeof key === 'number') return this.numbers.get(key);
    return this.others.get(encodeKey(key, this.context));
  }

  set(key: unknown, value: V): void {
    if (typeof key === 'string') this.strings.set(key, value);
    else if (typeof key === 'number') this.numbers.set(key, value);
    else this.others.set(encodeKey(key, this.context), value);
  }

  delete(key: unknown): boolean {
    if (typeof key === 'string') return this.strings.delete(key);
    if (typeof key === 'number') return this.numbers.delete(key);
    return this.others.delete(encodeKey(key, this.context));
  }

  get size(): number {
    return this.strings.size + this.numbers.size + this.others.size;
  }

  *values(): IterableIterator<V> {
    yield* this.strings.values();
    yield* this.numbers.values();
    yield* this.others.values();
  }

  /** Keys in canonical form (decoded from their encoding where they were not strings or numbers). */
  *entries(): IterableIterator<[unknown, V]> {
    yield* this.strings.entries();
    yield* this.numbers.entries();
    for (const [encoded, value] of this.others) yield [decodeKey(encoded), value];
  }
}
