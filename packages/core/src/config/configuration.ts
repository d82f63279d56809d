import { ConfigurationError, errorMessage } from '../errors.js';
import { findOption, type ConfigOption } from './config-option.js';
import { dynamicPropertyEntries } from './config-sources.js';

/**
 * Raw string entries plus typed access through options. Values are parsed on `get`; use
 * `loadConfiguration` to validate everything up front.
 */
export class Configuration {
  private readonly entries = new Map<string, string>();

  constructor(entries: Record<string, string> = {}) {
    for (const [key, value] of Object.entries(entries)) this.entries.set(key, value);
  }

  /** The value under the option's key (or a deprecated key), parsed; the default when absent. */
  get<T>(option: ConfigOption<T>): T {
    const value = this.getOptional(option);
    return value === undefined ? option.defaultValue : value;
  }

  /** Like `get`, but undefined when no value is set. */
  getOptional<T>(option: ConfigOption<T>): T | undefined {
    const found = this.rawEntry(option);
    if (found === undefined) return undefined;
    const [key, raw] = found;
    try {
      return option.parse(raw);
    } catch (e) {
      throw new ConfigurationError([`${key}: '${raw}' ${errorMessage(e)}`]);
    }
  }

  set<T>(option: ConfigOption<T>, value: T): this {
    for (const key of option.deprecatedKeys) this.entries.delete(key);
    this.entries.set(option.key, option.format(value));
    return this;
  }

  setString(key: string, value: string): this {
    this.entries.set(key, value);
    return this;
  }

  getString(key: string): string | undefined {
    return this.entries.get(key);
  }

  has(keyOrOption: string | ConfigOption<unknown>): boolean {
    if (typeof keyOrOption === 'string') return this.entries.has(keyOrOption);
    return this.rawEntry(keyOrOption) !== undefined;
  }

  remove(key: string): boolean {
    return this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Raw strings; the form in which configuration is shipped to worker threads and processes. */
  toMap(): Record<string, string> {
    return Object.fromEntries(this.entries);
  }

  clone(): Configuration {
    return new Configuration(this.toMap());
  }

  /** Copies every entry of `other`, overwriting entries with the same key. */
  addAll(other: Configuration): this {
    for (const [key, value] of other.entries) this.entries.set(key, value);
    return this;
  }

  /**
   * One warning per deprecated key among the entries (as loadConfiguration gives for the
   * sources it reads), for configuration that arrives otherwise, e.g. a job's own settings.
   */
  deprecatedKeyWarnings(): string[] {
    const warnings: string[] = [];
    for (const key of this.entries.keys()) {
      const option = findOption(key);
      if (option !== undefined && option.key !== key)
        warnings.push(`configuration key '${key}' is deprecated; use '${option.key}' instead`);
    }
    return warnings;
  }

  private rawEntry(option: ConfigOption<unknown>): [string, string] | undefined {
    for (const key of [option.key, ...option.deprecatedKeys]) {
      const raw = this.entries.get(key);
      if (raw !== undefined) return [key, raw];
    }
    return undefined;
  }
}

/** Splits a `-D key=value` argument (with or without the `-D`); the value may contain `=`. */
export function parseDynamicProperty(arg: string): [string, string] {
  const { entries, problems } = dynamicPropertyEntries([arg]);
  const entry = entries[0];
  if (entry === undefined) throw new ConfigurationError(problems);
  return [entry.key, entry.value];
}
