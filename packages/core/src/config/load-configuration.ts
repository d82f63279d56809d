import { ConfigurationError, errorMessage } from '../errors.js';
import { allOptions, findOption } from './config-option.js';
import { Configuration } from './configuration.js';
import {
  type ConfigSourceKind,
  type RawEntry,
  type SourceResult,
  dynamicEntries,
  dynamicPropertyEntries,
  readConfFile,
  readEnvironment,
} from './config-sources.js';
import { closestMatch } from './edit-distance.js';

export interface LoadedConfiguration {
  config: Configuration;
  /** Unknown keys from the file or environment, deprecated keys in use. */
  warnings: string[];
  /** Where each key's effective value came from. */
  sources: Record<string, ConfigSourceKind>;
}

export interface LoadConfigurationOptions {
  /** Directory holding spindle-conf.yaml; defaults to $SPINDLE_CONF_DIR, else no file is read. */
  confDir?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** `-D` properties, already split into key and value. */
  dynamic?: Record<string, string>;
  /** Raw `-D` arguments (`key=value`); malformed ones are reported with every other problem. */
  dynamicProperties?: readonly string[];
  /** Values given by dedicated command-line flags (`-p` for parallelism.default); they win over `-D`. */
  flags?: ReadonlyArray<{ key: string; value: string; flag: string }>;
  /** Unknown `-D` keys are problems (default) rather than warnings. */
  strictDynamic?: boolean;
}

interface Collected {
  effective: Map<string, RawEntry>;
  warnings: string[];
  problems: string[];
}

/**
 * Builds the configuration from `-D` > environment > conf file > defaults, validates every value
 * of every source and throws one ConfigurationError listing every problem, with the warnings found
 * on the way (an unknown key in the file is never hidden by a bad value elsewhere). Options are
 * known only once the modules defining them are imported, so import every package's options
 * before calling this.
 */
export function loadConfiguration(opts: LoadConfigurationOptions = {}): LoadedConfiguration {
  const env = opts.env ?? process.env;
  const confDir = opts.confDir ?? env['SPINDLE_CONF_DIR'];
  const collected: Collected = { effective: new Map(), warnings: [], problems: [] };
  const flags: RawEntry[] = (opts.flags ?? []).map((f) => ({ key: f.key, value: f.value, kind: 'dynamic', label: f.flag }));
  const sources: SourceResult[] = [
    confDir === undefined ? { entries: [], problems: [] } : readConfFile(confDir),
    readEnvironment(env),
    { entries: dynamicEntries(opts.dynamic ?? {}), problems: [] },
    dynamicPropertyEntries(opts.dynamicProperties ?? []),
    { entries: flags, problems: [] },
  ];
  const entries = sources.flatMap((source) => source.entries);
  for (const source of sources) {
    collected.problems.push(...source.problems);
    collected.warnings.push(...(source.warnings ?? []));
  }
  const strict = opts.strictDynamic ?? true;
  for (const entry of entries) admit(entry, strict && entry.kind === 'dynamic', collected);
  for (const entry of entries) validate(entry, collected);
  if (collected.problems.length > 0) throw new ConfigurationError(collected.problems, collected.warnings);
  return toLoaded(collected);
}

/** Records an entry under its canonical key; later entries (higher precedence) replace earlier ones. */
function admit(entry: RawEntry, strict: boolean, collected: Collected): void {
  const option = findOption(entry.key);
  if (option === undefined) {
    const message = unknownKeyMessage(entry);
    (strict ? collected.problems : collected.warnings).push(message);
    collected.effective.set(entry.key, entry);
    return;
  }
  if (option.key !== entry.key) {
    collected.warnings.push(`configuration key '${entry.key}' (from ${entry.label}) is deprecated; use '${option.key}' instead`);
  }
  collected.effective.set(option.key, { ...entry, key: option.key });
}

function unknownKeyMessage(entry: RawEntry): string {
  const suggestion = closestMatch(
    entry.key,
    allOptions().map((o) => o.key),
  );
  const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
  return `unknown configuration key '${entry.key}' (from ${entry.label})${hint}`;
}

/**
 * An invalid value in effect is a problem; one that a source of higher precedence overrides is
 * only a warning, so that it is still reported.
 */
function validate(entry: RawEntry, collected: Collected): void {
  const option = findOption(entry.key);
  if (option === undefined) return;
  try {
    option.parse(entry.value);
  } catch (e) {
    const message = `${option.key}: '${entry.value}' (from ${entry.label}) ${errorMessage(e)}`;
    const effective = collected.effective.get(option.key);
    if (effective === undefined || (effective.label === entry.label && effective.value === entry.value)) collected.problems.push(message);
    else collected.warnings.push(`${message} (overridden by ${effective.label})`);
  }
}

function toLoaded(collected: Collected): LoadedConfiguration {
  const config = new Configuration();
  const sources: Record<string, ConfigSourceKind> = {};
  for (const [key, entry] of collected.effective) {
    config.setString(key, entry.value);
    sources[key] = entry.kind;
  }
  return { config, warnings: collected.warnings, sources };
}
