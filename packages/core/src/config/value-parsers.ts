/**
 * Parsers for raw configuration values. Each throws an Error whose message completes the sentence
 * "<key>: '<raw>' (from <source>) ..." with what is accepted.
 */

export type RawValue = string | number | boolean;

export interface Bounds {
  min?: number;
  max?: number;
}

export function parseIntValue(raw: RawValue, bounds: Bounds): number {
  const n = typeof raw === 'number' ? raw : /^\s*[+-]?\d+\s*$/.test(String(raw)) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error('is not an integer');
  return checkBounds(n, bounds, String);
}

export function parseNumberValue(raw: RawValue, bounds: Bounds): number {
  const text = String(raw).trim();
  const n = typeof raw === 'number' ? raw : text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new Error('is not a number');
  return checkBounds(n, bounds, String);
}

export function parseBooleanValue(raw: RawValue): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error('must be true or false');
}

export function parseEnumValue<E extends string>(raw: RawValue, values: readonly E[]): E {
  const text = String(raw).trim().toLowerCase();
  const found = values.find((v) => v.toLowerCase() === text);
  if (found === undefined) throw new Error(`must be one of ${values.join(', ')}`);
  return found;
}

export function checkBounds(n: number, bounds: Bounds, show: (n: number) => string): number {
  if (bounds.min !== undefined && n < bounds.min) throw new Error(`must be at least ${show(bounds.min)}`);
  if (bounds.max !== undefined && n > bounds.max) throw new Error(`must be at most ${show(bounds.max)}`);
  return n;
}

const DURATION_UNITS: ReadonlyMap<string, number> = unitTable([
  [1, ['', 'ms', 'milli', 'millis', 'millisecond', 'milliseconds']],
  [1000, ['s', 'sec', 'secs', 'second', 'seconds']],
  [60_000, ['m', 'min', 'mins', 'minute', 'minutes']],
  [3_600_000, ['h', 'hour', 'hours']],
  [86_400_000, ['d', 'day', 'days']],
]);

const DURATION_SHAPE = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]*)$/;

/** Flink duration syntax: `100 ms`, `10s`, `1 min`, `2 h`, `1 d`; a plain number means milliseconds. */
export function parseDuration(raw: RawValue): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return Math.round(raw);
  const match = DURATION_SHAPE.exec(String(raw).trim().toLowerCase());
  const factor = match === null ? undefined : DURATION_UNITS.get(match[2] ?? '');
  if (match === null || factor === undefined) {
    throw new Error("is not a duration; expected a number with an optional unit (ms, s, min, h, d), e.g. '100 ms' or '10 s'");
  }
  return Math.round(Number(match[1]) * factor);
}

/** The largest unit that represents the duration exactly, e.g. 300000 → '5 min'. */
export function formatDuration(ms: number): string {
  if (ms === 0 || !Number.isInteger(ms)) return `${ms} ms`;
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const unit = units.find(([factor]) => ms % factor === 0);
  return unit === undefined ? `${ms} ms` : `${ms / unit[0]} ${unit[1]}`;
}

const KIB = 1024;
const MEMORY_UNITS: ReadonlyMap<string, number> = unitTable([
  [1, ['', 'b', 'bytes']],
  [KIB, ['k', 'kb', 'kibibytes']],
  [KIB ** 2, ['m', 'mb', 'mebibytes']],
  [KIB ** 3, ['g', 'gb', 'gibibytes']],
  [KIB ** 4, ['t', 'tb', 'tebibytes']],
]);

const MEMORY_SHAPE = /^(\d+)\s*([a-z]*)$/;

/** Flink memory syntax with binary multiples: `32kb`, `64 m`, `1g`, `2 gb`; a plain number means bytes. */
export function parseMemorySize(raw: RawValue): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  const match = MEMORY_SHAPE.exec(String(raw).trim().toLowerCase());
  const factor = match === null ? undefined : MEMORY_UNITS.get(match[2] ?? '');
  const bytes = match === null || factor === undefined ? NaN : Number(match[1]) * factor;
  if (!Number.isSafeInteger(bytes)) {
    throw new Error("is not a memory size; expected a whole number with an optional unit (b, kb, mb, gb, tb), e.g. '32kb' or '1 gb'");
  }
  return bytes;
}

/** The largest unit that represents the size exactly, e.g. 32768 → '32kb'. */
export function formatMemorySize(bytes: number): string {
  const units: [number, string][] = [
    [KIB ** 4, 'tb'],
    [KIB ** 3, 'gb'],
    [KIB ** 2, 'mb'],
    [KIB, 'kb'],
  ];
  const unit = bytes === 0 ? undefined : units.find(([factor]) => bytes % factor === 0);
  return unit === undefined ? `${bytes}b` : `${bytes / unit[0]}${unit[1]}`;
}

function unitTable(rows: [number, string[]][]): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  for (const [factor, names] of rows) for (const name of names) table.set(name, factor);
  return table;
}
