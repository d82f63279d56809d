import { SpindleError } from '../errors.js';
import {
  type Bounds,
  type RawValue,
  checkBounds,
  formatDuration,
  formatMemorySize,
  parseBooleanValue,
  parseDuration,
  parseEnumValue,
  parseIntValue,
  parseMemorySize,
  parseNumberValue,
} from './value-parsers.js';

export type OptionType = 'int' | 'number' | 'boolean' | 'string' | 'duration' | 'memory' | 'enum';

/** A typed configuration option, with Flink's key name where Flink has the concept. */
export interface ConfigOption<T> {
  readonly key: string;
  readonly type: OptionType;
  readonly defaultValue: T;
  readonly description: string;
  /** Older keys still read (with a warning) when the key itself is absent. */
  readonly deprecatedKeys: readonly string[];
  /** The accepted values of an enum option, in canonical spelling. */
  readonly values?: readonly string[];
  /** Throws an Error whose message says what is accepted. */
  parse(raw: RawValue): T;
  format(value: T): string;
}

interface OptionSpec {
  key: string;
  description: string;
  deprecatedKeys?: readonly string[];
}

interface BoundedSpec extends OptionSpec, Bounds {
  default: number;
}

const byKey = new Map<string, ConfigOption<unknown>>();
const byDeprecatedKey = new Map<string, ConfigOption<unknown>>();

/** Every option defined so far; packages define theirs when their option modules are imported. */
export function allOptions(): readonly ConfigOption<unknown>[] {
  return [...byKey.values()];
}

/** Looks an option up by its key or one of its deprecated keys. */
export function findOption(key: string): ConfigOption<unknown> | undefined {
  return byKey.get(key) ?? byDeprecatedKey.get(key);
}

function register<T>(option: ConfigOption<T>): ConfigOption<T> {
  for (const key of [option.key, ...option.deprecatedKeys]) {
    if (findOption(key) !== undefined) {
      throw new SpindleError(`configuration key '${key}' is defined twice`, { code: 'DUPLICATE_OPTION' });
    }
  }
  const erased = option as ConfigOption<unknown>;
  byKey.set(option.key, erased);
  for (const key of option.deprecatedKeys) byDeprecatedKey.set(key, erased);
  return option;
}

function define<T>(
  spec: OptionSpec,
  type: OptionType,
  defaultValue: T,
  parse: (raw: RawValue) => T,
  format: (value: T) => string,
): ConfigOption<T> {
  const deprecatedKeys = Object.freeze([...(spec.deprecatedKeys ?? [])]);
  return register({ key: spec.key, type, defaultValue, description: spec.description, deprecatedKeys, parse, format });
}

export function intOption(spec: BoundedSpec): ConfigOption<number> {
  return define(spec, 'int', spec.default, (raw) => parseIntValue(raw, spec), String);
}

export function numberOption(spec: BoundedSpec): ConfigOption<number> {
  return define(spec, 'number', spec.default, (raw) => parseNumberValue(raw, spec), String);
}

export function booleanOption(spec: OptionSpec & { default: boolean }): ConfigOption<boolean> {
  return define(spec, 'boolean', spec.default, parseBooleanValue, String);
}

export function stringOption(spec: OptionSpec & { default: string }): ConfigOption<string>;
export function stringOption(spec: OptionSpec & { default?: string }): ConfigOption<string | undefined>;
export function stringOption(spec: OptionSpec & { default?: string }): ConfigOption<string | undefined> {
  return define<string | undefined>(
    spec,
    'string',
    spec.default,
    (raw) => String(raw),
    (v) => v ?? '',
  );
}

/** A string that `check` accepts: it returns the canonical value, or throws an Error saying what is accepted. */
export function checkedStringOption(spec: OptionSpec & { default: string; check: (value: string) => string }): ConfigOption<string> {
  return define(spec, 'string', spec.default, (raw) => spec.check(String(raw).trim()), String);
}

/** Values are milliseconds; `min`/`max` are milliseconds too and may be negative (-1 as a sentinel). */
export function durationOption(spec: BoundedSpec): ConfigOption<number> {
  const parse = (raw: RawValue) => checkBounds(parseDuration(raw), spec, formatDuration);
  return define(spec, 'duration', spec.default, parse, formatDuration);
}

/** Values are bytes. */
export function memoryOption(spec: BoundedSpec): ConfigOption<number> {
  const parse = (raw: RawValue) => checkBounds(parseMemorySize(raw), spec, formatMemorySize);
  return define(spec, 'memory', spec.default, parse, formatMemorySize);
}

/** Matching is case-insensitive; the canonical spelling from `values` is returned. */
export function enumOption<E extends string>(spec: OptionSpec & { values: readonly E[]; default: E }): ConfigOption<E> {
  const values = Object.freeze([...spec.values]);
  const option = define<E>(spec, 'enum', spec.default, (raw) => parseEnumValue(raw, values), String);
  return Object.assign(option, { values });
}
