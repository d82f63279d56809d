import type { DataInputDeserializer } from './data-input.js';
import type { DataOutputSerializer } from './data-output.js';
import { ShortLength, Tag } from './generic-tags.js';

/** What a compiled reader returns when the object in the input has other keys than its shape. */
export const SHAPE_MISS: unique symbol = Symbol('shape miss');

type ValueWriter = (value: unknown, out: DataOutputSerializer) => void;
type ValueReader = (input: DataInputDeserializer) => unknown;

/**
 * The keys of plain objects, in order, with code compiled for objects of exactly those keys (as
 * avsc compiles a record type): `write` writes header, keys and values with the key bytes as
 * constants and each value read by a property access of its own; `read` checks each key
 * against its bytes as it comes, reads the values, and builds the object as a literal,
 * so that V8 gives every object of the shape one hidden class from the start. The bytes are
 * exactly those of the generic encoding: a shape only changes how fast they are made and read.
 */
export interface ObjectShape {
  readonly keys: readonly string[];
  write(o: Record<string, unknown>, out: DataOutputSerializer): void;
  /** The object, with the input at its first key; SHAPE_MISS (position anywhere) when a key differs. */
  read(input: DataInputDeserializer): Record<string, unknown> | typeof SHAPE_MISS;
}

/** Longest key a shape takes: its length prefix is one byte. */
const MAX_KEY_LENGTH = 0x7f;
const MAX_SHAPE_KEYS = 64;
/**
 * Shapes compiled freely; after that, one more only once this many objects were written or read
 * key by key since the last: objects used as dictionaries (ever new keys) cost few compilations,
 * while a long-lived thread still compiles the shapes of the jobs that come later.
 */
const FREE_SHAPES = 64;
const OBJECTS_PER_LATER_SHAPE = 10_000;
const SLOTS = 128;
/** Shapes kept per slot: objects of the same key count and a similar first key (e.g. tagged unions). */
const SLOT_WAYS = 4;

/** Whether objects of these keys may get a shape: ASCII keys of a one-byte length prefix, and no `__proto__` (a literal would set the prototype). */
function shapeable(keys: readonly string[]): boolean {
  if (keys.length === 0 || keys.length > MAX_SHAPE_KEYS) return false;
  for (const key of keys) {
    if (key.length > MAX_KEY_LENGTH || key === '__proto__') return false;
    for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0x80) return false;
  }
  return true;
}

/** The generic encoding of an object header: the key count in a short tag, or a long tag and a varuint. */
function headerBytes(count: number): number[] {
  if (count <= (ShortLength.COLLECTION_MAX as number)) return [Tag.SHORT_OBJECT | count];
  return [Tag.OBJECT, count];
}

/** A key as writeString writes it: the length (one byte here) and the ASCII characters. */
function keyBytes(key: string): number[] {
  const bytes = [key.length];
  for (let i = 0; i < key.length; i++) bytes.push(key.charCodeAt(i));
  return bytes;
}

/** Statements appending constant bytes: one capacity check, then a store each. */
function emitBytes(bytes: number[]): string {
  const stores = bytes.map((b, i) => `b[p + ${i}] = ${b};`).join(' ');
  return `out.ensureCapacity(${bytes.length}); b = out.buffer(); p = out.position; ${stores} out.position = p + ${bytes.length};\n`;
}

/** Statements checking that the next bytes are `bytes` and skipping them, or returning SHAPE_MISS. */
function expectBytes(bytes: number[]): string {
  const tests = bytes.map((b, i) => `b[p + ${i}] !== ${b}`).join(' || ');
  return `b = input.rawBuffer(); p = input.position; if (p + ${bytes.length} > input.limit() || ${tests}) return MISS; input.position = p + ${bytes.length};\n`;
}

function compile(keys: readonly string[], writeNested: ValueWriter, readNested: ValueReader): ObjectShape {
  const names = keys.map((key) => JSON.stringify(key));
  let write = 'let b, p;\n';
  let read = 'let b, p;\n';
  keys.forEach((key, i) => {
    write += emitBytes(i === 0 ? [...headerBytes(keys.length), ...keyBytes(key)] : keyBytes(key));
    write += `writeNested(o[${names[i]}], out);\n`;
    read += expectBytes(keyBytes(key));
    read += `const v${i} = readNested(input);\n`;
  });
  read += `return { ${names.map((name, i) => `${name}: v${i}`).join(', ')} };\n`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled per shape; the source holds numbers and JSON string literals of the keys only
  const make = new Function('writeNested', 'readNested', 'MISS', `return { write(o, out) {\n${write}}, read(input) {\n${read}} };`) as (
    w: ValueWriter,
    r: ValueReader,
    miss: typeof SHAPE_MISS,
  ) => Omit<ObjectShape, 'keys'>;
  return { keys, ...make(writeNested, readNested, SHAPE_MISS) };
}

/** The slot of objects of `count` keys whose first key is `length` ASCII characters from `c0` to `cLast`. */
function slotOf(count: number, length: number, c0: number, cLast: number): number {
  return (count * 31 + length * 7 + c0 * 3 + cLast) & (SLOTS - 1);
}

function slotOfKeys(keys: readonly string[]): number {
  const first = keys[0]!;
  const n = first.length;
  return n === 0 ? slotOf(keys.length, 0, 0, 0) : slotOf(keys.length, n, first.charCodeAt(0), first.charCodeAt(n - 1));
}

const NONE: readonly ObjectShape[] = [];

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shapes one direction (writing or reading) has met, by key count and first key. A pure
 * memo of compiled code: whatever it holds, values are written and read the same.
 */
export class ObjectShapes {
  private readonly slots: ObjectShape[][] = Array.from({ length: SLOTS }, () => []);
  private compiled = 0;
  /** Objects written or read key by key since the last compilation. */
  private byKey = 0;

  constructor(
    private readonly writeNested: ValueWriter,
    private readonly readNested: ValueReader,
  ) {}

  /** The shape of exactly these keys, if compiled. */
  find(keys: readonly string[]): ObjectShape | undefined {
    const slot = this.slots[slotOfKeys(keys)]!;
    for (let i = 0; i < slot.length; i++) {
      const shape = slot[i]!;
      if (sameKeys(shape.keys, keys)) return shape;
    }
    return undefined;
  }

  /**
   * The shapes that may fit the object of `count` keys whose first key starts at `pos` of `buf`
   * (readable up to `end`), by the bytes of that key, most recently compiled first.
   */
  candidatesAt(count: number, buf: Uint8Array, pos: number, end: number): readonly ObjectShape[] {
    if (pos >= end) return NONE;
    const n = buf[pos]!;
    if (n === 0) return this.slots[slotOf(count, 0, 0, 0)]!;
    if (n > MAX_KEY_LENGTH || pos + n >= end) return NONE;
    return this.slots[slotOf(count, n, buf[pos + 1]!, buf[pos + n]!)]!;
  }

  /** An object of these keys was written or read key by key: compiles their shape (with a copy of them) when they may have one and the budget allows. */
  met(keys: readonly string[]): void {
    this.byKey++;
    if ((this.compiled >= FREE_SHAPES && this.byKey < OBJECTS_PER_LATER_SHAPE) || !shapeable(keys) || this.find(keys) !== undefined) return;
    this.compiled++;
    this.byKey = 0;
    const slot = this.slots[slotOfKeys(keys)]!;
    slot.unshift(compile(keys.slice(), this.writeNested, this.readNested));
    if (slot.length > SLOT_WAYS) slot.pop();
  }
}
