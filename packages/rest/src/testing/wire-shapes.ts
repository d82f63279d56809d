import fs from 'node:fs';

/**
 * The shapes in `test/fixtures/*.json`: a type name ('integer', 'number', 'string', 'boolean',
 * 'null', joined by '|' for unions), an object with exactly these fields (plus optional ones), an
 * array, a map with values of one shape (and optionally exactly these keys), an enum, or a
 * reference to another fixture.
 */
export type Shape =
  | string
  | { object: Record<string, Shape>; optional?: Record<string, Shape> }
  | { array: Shape }
  | { map: Shape; keys?: string[] }
  | { enum: unknown[] }
  | { ref: string };

/** The fixtures live in the package's test folder, written from Flink's reference. */
const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

export function loadFixture(name: string): Shape {
  const fixture = JSON.parse(fs.readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as { shape: Shape };
  return fixture.shape;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, names: string): boolean {
  const actual = typeOf(value);
  return names.split('|').some((n) => n === actual || (n === 'number' && actual === 'integer'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every way `value` differs from `shape`, as readable lines; empty when it matches. */
export function shapeProblems(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') {
    return matchesType(value, shape) ? [] : [`${path}: expected ${shape}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if ('ref' in shape) return shapeProblems(value, loadFixture(shape.ref), path);
  if ('enum' in shape)
    return shape.enum.includes(value) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(shape.enum)}`];
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${typeOf(value)}`];
    return value.flatMap((v, i) => shapeProblems(v, shape.array, `${path}[${i}]`));
  }
  if (!isPlainObject(value)) return [`${path}: expected an object, got ${typeOf(value)}`];
  if ('map' in shape) {
    const problems = Object.entries(value).flatMap(([k, v]) => shapeProblems(v, shape.map, `${path}.${k}`));
    if (shape.keys) problems.push(...keyProblems(Object.keys(value), shape.keys, [], path));
    return problems;
  }
  const optional = shape.optional ?? {};
  const problems = keyProblems(Object.keys(value), Object.keys(shape.object), Object.keys(optional), path);
  for (const [k, s] of Object.entries({ ...optional, ...shape.object })) {
    if (k in value) problems.push(...shapeProblems(value[k], s, `${path}.${k}`));
  }
  return problems;
}

function keyProblems(actual: string[], required: string[], optional: string[], path: string): string[] {
  const missing = required.filter((k) => !actual.includes(k)).map((k) => `${path}: missing field '${k}'`);
  const extra = actual.filter((k) => !required.includes(k) && !optional.includes(k)).map((k) => `${path}: unexpected field '${k}'`);
  return [...missing, ...extra];
}

/** How a response differs from a fixture in `packages/rest/test/fixtures`; empty when it matches. */
export function fixtureProblems(value: unknown, fixture: string): string[] {
  return shapeProblems(value, loadFixture(fixture));
}
