/**
 * Finds the first value the generic encoding cannot write, in the order the writer visits
 * values. Only runs after a write has failed, so it may be slow.
 */
export interface UnsupportedValue {
  /** e.g. 'a function', 'a symbol', 'an instance of class Foo'. */
  what: string;
  /** e.g. 'value[1].handler'. */
  path: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** An object literal, a null-prototype object, or an object literal from another realm (vm context). */
export function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

export function describeUnsupported(root: unknown, rootPath = 'value'): UnsupportedValue {
  return find(root, rootPath, new Set()) ?? { what: 'an unsupported value', path: rootPath };
}

function find(v: unknown, path: string, seen: Set<object>): UnsupportedValue | undefined {
  if (typeof v === 'function') return { what: 'a function', path };
  if (typeof v === 'symbol') return { what: 'a symbol', path };
  if (typeof v !== 'object' || v === null || seen.has(v)) return undefined;
  seen.add(v);
  if (Array.isArray(v))
    return findInEntries(
      v.map((item, i) => [`${path}[${i}]`, item]),
      seen,
    );
  if (isPlainObject(v)) return findInEntries(objectEntries(v, path), seen);
  if (v instanceof Map) return findInMap(v, path, seen);
  if (v instanceof Set)
    return findInEntries(
      [...v].map((item, i) => [`${path}<set element ${i}>`, item]),
      seen,
    );
  if (v instanceof Uint8Array || v instanceof Date || v instanceof Error) return undefined;
  return { what: describeInstance(v), path };
}

function findInEntries(entries: [string, unknown][], seen: Set<object>): UnsupportedValue | undefined {
  for (const [path, item] of entries) {
    const found = find(item, path, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

function objectEntries(o: object, path: string): [string, unknown][] {
  return Object.entries(o).map(([key, item]) => [IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, item]);
}

function findInMap(m: Map<unknown, unknown>, path: string, seen: Set<object>): UnsupportedValue | undefined {
  const entries: [string, unknown][] = [];
  let i = 0;
  for (const [key, item] of m) {
    entries.push([`${path}<map key ${i}>`, key], [`${path}.get(${describeKey(key)})`, item]);
    i++;
  }
  return findInEntries(entries, seen);
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint' || key == null) return String(key);
  return '…';
}

function describeInstance(v: object): string {
  const name = (v.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `an instance of class ${name}` : 'an object with a custom prototype';
}
