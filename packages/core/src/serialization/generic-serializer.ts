import { SpindleError, deserializeError, serializeError, type SerializedError } from '../errors.js';
import type { DataInputDeserializer } from './data-input.js';
import type { DataOutputSerializer } from './data-output.js';
import { ObjectShapes, SHAPE_MISS } from './generic-shapes.js';
import { ShortLength, Tag } from './generic-tags.js';
import { describeUnsupported, isPlainObject } from './generic-unsupported.js';
import type { TypeSerializer } from './type-serializer.js';

/** Thrown inside the writer; the path to the culprit is only computed once the write has failed. */
class UnsupportedValue extends Error {}

/**
 * Self-describing encoding for plain data: null, undefined, booleans, numbers, bigint, strings,
 * Date, Uint8Array, Buffer, arrays, plain objects, Map, Set and errors, nested freely. Buffers come
 * back as Buffers and other Uint8Arrays as plain Uint8Arrays (both copied out of the input). Array
 * holes come back as undefined; objects with a null prototype come back as ordinary objects; errors
 * come back as SpindleErrors with the same name, message, code, recoverability and stack.
 */
export class GenericSerializer implements TypeSerializer<unknown> {
  readonly kind = 'generic';

  serialize(value: unknown, out: DataOutputSerializer): void {
    writeGenericValue(value, out, 'value', recordError);
  }

  deserialize(input: DataInputDeserializer): unknown {
    return readValue(input);
  }
}

/** Builds the error for a value the generic encoding cannot write: what it is and where (e.g. `value[1].handler`). */
export type UnsupportedValueError = (what: string, path: string, cause?: unknown) => Error;

/**
 * Writes one value of the generic encoding. On failure the output position is rolled back and
 * `fail` names the first value that cannot be written, with its path from `root`.
 */
export function writeGenericValue(value: unknown, out: DataOutputSerializer, root: string, fail: UnsupportedValueError): void {
  const start = out.position;
  try {
    writeValue(value, out);
  } catch (e) {
    out.position = start;
    if (e instanceof UnsupportedValue) {
      const { what, path } = describeUnsupported(value, root);
      throw fail(what, path);
    }
    if (e instanceof RangeError) throw fail('a cyclic or too deeply nested value', root, e);
    throw e;
  }
}

/** Reads one value of the generic encoding. */
export function readGenericValue(input: DataInputDeserializer): unknown {
  return readValue(input);
}

function recordError(what: string, path: string, cause?: unknown): SpindleError {
  return new SpindleError(`cannot serialize ${what} at ${path}; records must be plain data (or give the stream an Avro schema)`, {
    code: 'SERIALIZATION',
    recoverability: 'non-recoverable',
    userFacing: true,
    cause,
  });
}

/** An if-chain rather than a switch: the common types are tested first and cheaply. */
function writeValue(v: unknown, out: DataOutputSerializer): void {
  if (typeof v === 'string') return writeStringValue(v, out);
  if (typeof v === 'number') return writeNumber(v, out);
  if (typeof v === 'object') return v === null ? out.writeByte(Tag.NULL) : writeObjectValue(v, out);
  return writeOtherPrimitive(v, out);
}

function writeOtherPrimitive(v: unknown, out: DataOutputSerializer): void {
  switch (typeof v) {
    case 'boolean':
      return out.writeByte(v ? Tag.TRUE : Tag.FALSE);
    case 'undefined':
      return out.writeByte(Tag.UNDEFINED);
    case 'bigint':
      out.writeByte(Tag.BIGINT);
      return out.writeString(v.toString());
    default:
      throw new UnsupportedValue();
  }
}

function writeStringValue(s: string, out: DataOutputSerializer): void {
  const len = s.length;
  if (fits(len, ShortLength.ASCII_MAX) && out.writeTaggedAscii(Tag.SHORT_ASCII | len, s)) return;
  const tagAt = out.position;
  out.writeByte(Tag.STRING);
  // As many UTF-8 bytes as characters: every character is ASCII.
  if (out.writeUtf8WithLength(s) === len) out.buffer()[tagAt] = Tag.LONG_ASCII;
}

function writeNumber(n: number, out: DataOutputSerializer): void {
  if ((n | 0) === n && (n !== 0 || 1 / n > 0)) {
    if (n >= 0 && fits(n, Tag.SMALL_INT_MAX)) return out.writeByte(n);
    return out.writeTaggedVarUint32(Tag.INT32, ((n << 1) ^ (n >> 31)) >>> 0);
  }
  out.writeByte(Tag.FLOAT64);
  out.writeFloat64(n);
}

function writeObjectValue(v: object, out: DataOutputSerializer): void {
  if (Array.isArray(v)) return writeArray(v, out);
  if (isPlainObject(v)) return writePlainObject(v as Record<string, unknown>, out);
  if (v instanceof Uint8Array) return writeBytesValue(v, out);
  if (v instanceof Date) {
    out.writeByte(Tag.DATE);
    return out.writeFloat64(v.getTime());
  }
  if (v instanceof Map) return writeMap(v, out);
  if (v instanceof Set) return writeSet(v, out);
  if (v instanceof Error) {
    out.writeByte(Tag.ERROR);
    return writePlainObject(serializeError(v) as unknown as Record<string, unknown>, out);
  }
  throw new UnsupportedValue();
}

function writeArray(a: readonly unknown[], out: DataOutputSerializer): void {
  const len = a.length;
  if (fits(len, ShortLength.COLLECTION_MAX)) out.writeByte(Tag.SHORT_ARRAY | len);
  else writeLongHeader(Tag.ARRAY, len, out);
  for (let i = 0; i < len; i++) writeNested(a[i], out);
}

/**
 * Strings and numbers are handled here without going back through writeValue: V8 does not
 * inline recursive calls, and tuples of primitives are the common record shape.
 */
function writeNested(v: unknown, out: DataOutputSerializer): void {
  if (typeof v === 'string') writeStringValue(v, out);
  else if (typeof v === 'number') writeNumber(v, out);
  else writeValue(v, out);
}

function writePlainObject(o: Record<string, unknown>, out: DataOutputSerializer): void {
  const keys = Object.keys(o);
  if (keys.length > 0) {
    const shape = shapes.find(keys);
    if (shape !== undefined) return shape.write(o, out);
  }
  if (fits(keys.length, ShortLength.COLLECTION_MAX)) out.writeByte(Tag.SHORT_OBJECT | keys.length);
  else writeLongHeader(Tag.OBJECT, keys.length, out);
  for (const key of keys) {
    out.writeString(key);
    writeNested(o[key], out);
  }
  shapes.met(keys);
}

/** Whether `n` fits in the low bits of a tag whose largest value is `max`: a number compared as a number (V8 inlines this). */
function fits(n: number, max: number): boolean {
  return n <= max;
}

function writeLongHeader(longTag: Tag, count: number, out: DataOutputSerializer): void {
  out.writeTaggedVarUint32(longTag, count);
}

function writeBytesValue(b: Uint8Array, out: DataOutputSerializer): void {
  out.writeTaggedVarUint32(Buffer.isBuffer(b) ? Tag.BUFFER : Tag.UINT8ARRAY, b.length);
  out.writeBytes(b);
}

function writeMap(m: ReadonlyMap<unknown, unknown>, out: DataOutputSerializer): void {
  out.writeTaggedVarUint32(Tag.MAP, m.size);
  for (const [key, value] of m) {
    writeValue(key, out);
    writeValue(value, out);
  }
}

function writeSet(s: ReadonlySet<unknown>, out: DataOutputSerializer): void {
  out.writeTaggedVarUint32(Tag.SET, s.size);
  for (const value of s) writeValue(value, out);
}

/** The object shapes this thread has met, writing and reading: compiled code for each (see generic-shapes.ts). */
const shapes = new ObjectShapes(writeNested, readNested);

function readValue(input: DataInputDeserializer): unknown {
  const tag = input.readByte() as Tag;
  if (tag <= Tag.SMALL_INT_MAX) return tag;
  if (tag < Tag.SHORT_ARRAY) return input.readAscii(tag & ShortLength.ASCII_MAX);
  return readComposite(tag, input);
}

/** The same as readValue, as a distinct function so V8 can inline it into the collection readers. */
function readNested(input: DataInputDeserializer): unknown {
  const tag = input.readByte() as Tag;
  if (tag <= Tag.SMALL_INT_MAX) return tag;
  if (tag < Tag.SHORT_ARRAY) return input.readAscii(tag & ShortLength.ASCII_MAX);
  return readComposite(tag, input);
}

function readComposite(tag: Tag, input: DataInputDeserializer): unknown {
  if (tag < Tag.SHORT_OBJECT) return readArray(input, tag & ShortLength.COLLECTION_MAX);
  if (tag < Tag.NULL) return readObject(input, tag & ShortLength.COLLECTION_MAX);
  return readTagged(tag, input);
}

function readTagged(tag: Tag, input: DataInputDeserializer): unknown {
  switch (tag) {
    case Tag.NULL:
      return null;
    case Tag.UNDEFINED:
      return undefined;
    case Tag.FALSE:
      return false;
    case Tag.TRUE:
      return true;
    case Tag.INT32:
      return readInt32(input);
    case Tag.FLOAT64:
      return input.readFloat64();
    case Tag.BIGINT:
      return BigInt(input.readString());
    case Tag.STRING:
      return input.readString();
    case Tag.LONG_ASCII:
      return input.readAscii(input.readVarUint());
    case Tag.DATE:
      return new Date(input.readFloat64());
    case Tag.UINT8ARRAY:
      return new Uint8Array(input.readBytes(input.readVarUint()));
    case Tag.BUFFER:
      return Buffer.from(input.readBytes(input.readVarUint()));
    case Tag.ARRAY:
      return readArray(input, input.readVarUint());
    case Tag.OBJECT:
      return readObject(input, input.readVarUint());
    case Tag.MAP:
      return readMap(input, input.readVarUint());
    case Tag.SET:
      return readSet(input, input.readVarUint());
    case Tag.ERROR:
      return deserializeError(readValue(input) as SerializedError);
    default:
      throw new SpindleError(`corrupt record: unknown type tag 0x${tag.toString(16)}`, { code: 'CORRUPT' });
  }
}

function readInt32(input: DataInputDeserializer): number {
  const z = input.readVarUint();
  return (z >>> 1) ^ -(z & 1);
}

/** Short arrays are built as literals: exact size and packed, unlike `[]` grown by push. */
function readArray(input: DataInputDeserializer, len: number): unknown[] {
  switch (len) {
    case 0:
      return [];
    case 1:
      return [readNested(input)];
    case 2:
      return [readNested(input), readNested(input)];
    case 3:
      return [readNested(input), readNested(input), readNested(input)];
    default:
      return readLongArray(input, len);
  }
}

function readLongArray(input: DataInputDeserializer, len: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < len; i++) a.push(readNested(input));
  return a;
}

/** An object of a shape met before is read by the shape's code; any other key by key. */
function readObject(input: DataInputDeserializer, count: number): Record<string, unknown> {
  if (count === 0) return {};
  const start = input.position;
  const candidates = shapes.candidatesAt(count, input.rawBuffer(), start, input.limit());
  for (let i = 0; i < candidates.length; i++) {
    const shape = candidates[i]!;
    if (shape.keys.length !== count) continue;
    const o = shape.read(input);
    if (o !== SHAPE_MISS) return o;
    input.position = start;
  }
  return readObjectByKey(input, count);
}

function readObjectByKey(input: DataInputDeserializer, count: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = readKey(input);
    const value = readNested(input);
    keys.push(key);
    if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
    else o[key] = value;
  }
  shapes.met(keys);
  return o;
}

function readMap(input: DataInputDeserializer, size: number): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < size; i++) {
    const key = readNested(input);
    m.set(key, readNested(input));
  }
  return m;
}

function readSet(input: DataInputDeserializer, size: number): Set<unknown> {
  const s = new Set<unknown>();
  for (let i = 0; i < size; i++) s.add(readNested(input));
  return s;
}

/** Keys of at most this many bytes are looked up in KEY_CACHE. */
const MAX_CACHED_KEY = 24;
/** Recently read object keys by a hash of their bytes: a pure memo, whatever it holds gives the same strings. */
const KEY_CACHE: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

/**
 * An object key. Records of one stream repeat the same few keys, so a short key is taken from a
 * small cache when its bytes match a string read before: no new string per key, and one that
 * V8 already knows as a property name.
 */
function readKey(input: DataInputDeserializer): string {
  const n = input.readVarUint();
  if (n === 0 || n > MAX_CACHED_KEY) return input.readUtf8(n);
  const pos = input.require(n);
  const buf = input.rawBuffer();
  const slot = (n * 31 + buf[pos]! * 7 + buf[pos + n - 1]!) & 255;
  const cached = KEY_CACHE[slot];
  if (cached !== undefined && cached.length === n && sameAscii(cached, buf, pos)) return cached;
  input.position = pos;
  const key = input.readUtf8(n);
  if (key.length === n) KEY_CACHE[slot] = internalized(key);
  return key;
}

function sameAscii(s: string, buf: Uint8Array, pos: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[pos + i]) return false;
  return true;
}

/** The property-name form of `key`, which V8 compares by identity. */
function internalized(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}
