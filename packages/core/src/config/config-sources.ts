import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { errorMessage } from '../errors.js';
import { allOptions } from './config-option.js';
import { closestMatch } from './edit-distance.js';

export const CONF_FILE_NAME = 'spindle-conf.yaml';
const MAX_YAML_ERRORS = 3;

export type ConfigSourceKind = 'dynamic' | 'environment' | 'file';

/** One raw value and where it came from; `label` is shown in problems ("-D", a file path, a variable). */
export interface RawEntry {
  key: string;
  value: string;
  kind: ConfigSourceKind;
  label: string;
}

export interface SourceResult {
  entries: RawEntry[];
  problems: string[];
  /** Findings that do not stop the load, such as a variable that nearly names an option. */
  warnings?: string[];
}

/** Reads `<confDir>/spindle-conf.yaml`: flat or nested maps, flattened to dotted keys. */
export function readConfFile(confDir: string): SourceResult {
  if (!isDirectory(confDir)) return { entries: [], problems: [`configuration directory '${confDir}' does not exist`] };
  const file = join(confDir, CONF_FILE_NAME);
  if (!existsSync(file)) return { entries: [], problems: [] };
  try {
    return parseConfYaml(readFileSync(file, 'utf8'), file);
  } catch (e) {
    return { entries: [], problems: [`cannot read ${file}: ${errorMessage(e)}`] };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

let yamlModule: typeof Yaml | undefined;

/**
 * The YAML parser, loaded on first use: most processes (a slot's worker thread, a job without a
 * configuration file) never parse YAML and do not pay for loading it.
 */
function yaml(): typeof Yaml {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}

/** Parses YAML text; every scalar stays a string (the failsafe schema), typing is left to the options. */
export function parseConfYaml(text: string, label: string): SourceResult {
  const { LineCounter, isMap, isScalar, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const problems = doc.errors
      .slice(0, MAX_YAML_ERRORS)
      .map((err) => `${label}:${lineCounter.linePos(err.pos[0]).line}: invalid YAML: ${firstLine(err.message)}`);
    return { entries: [], problems };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === '')) return { entries: [], problems: [] };
  if (!isMap(root)) return { entries: [], problems: [`${label}: expected a map of configuration keys at the top level`] };
  const entries: RawEntry[] = [];
  flatten(root.toJSON() as YamlMap, '', (key, value) => entries.push({ key, value, kind: 'file', label }));
  return { entries, problems: [] };
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

/** YAML read with the failsafe schema: strings, lists and maps, and null for a key without a value. */
type YamlValue = string | null | YamlValue[] | YamlMap;
interface YamlMap {
  [key: string]: YamlValue;
}

function flatten(map: YamlMap, prefix: string, emit: (key: string, value: string) => void): void {
  for (const [k, v] of Object.entries(map)) {
    const key = prefix + k;
    if (typeof v === 'string') emit(key, v);
    else if (v === null) emit(key, '');
    else if (Array.isArray(v)) emit(key, v.map(String).join(';'));
    else flatten(v, key + '.', emit);
  }
}

/** `SPINDLE_` + key upper-cased, with `.` and `-` replaced by `_`. */
export function envVariableFor(key: string): string {
  return 'SPINDLE_' + key.toUpperCase().replace(/[.-]/g, '_');
}

/**
 * SPINDLE_PROPERTIES (newline-separated `key: value` lines, like FLINK_PROPERTIES), then one
 * variable per defined option; the per-option variable wins over SPINDLE_PROPERTIES.
 */
export function readEnvironment(env: Record<string, string | undefined>): SourceResult {
  const result = readPropertiesVariable(env['SPINDLE_PROPERTIES']);
  const byVariable = new Map(allOptions().map((o) => [envVariableFor(o.key), o.key]));
  for (const [name, key] of byVariable) {
    const value = env[name];
    if (value !== undefined) result.entries.push({ key, value, kind: 'environment', label: name });
  }
  result.warnings = nearMissVariables(Object.keys(env), byVariable);
  return result;
}

/** SPINDLE_ variables of the engine itself that are not configuration options. */
const OTHER_VARIABLES = new Set([
  'SPINDLE_CONF_DIR',
  'SPINDLE_PROPERTIES',
  'SPINDLE_DEBUG',
  'SPINDLE_LOG_LEVEL',
  'SPINDLE_LOG_FORMAT',
  'SPINDLE_LOG_FILE',
  'SPINDLE_LOG_CONSOLE',
  // Set by the YARN client for the AppMaster's container.
  'SPINDLE_YARN_STAGING_DIR',
  'SPINDLE_YARN_TM_RESOURCES',
  'SPINDLE_YARN_NODE_COMMAND',
  'SPINDLE_YARN_CLUSTER_MODE',
  'SPINDLE_YARN_APPLICATION_BUNDLE',
  'SPINDLE_YARN_APPLICATION_ARGS',
  'SPINDLE_YARN_APPLICATION_JOB_ID',
]);

/** A `SPINDLE_` variable that names no option but nearly does is most likely a typo: say so. */
function nearMissVariables(names: readonly string[], byVariable: ReadonlyMap<string, string>): string[] {
  const warnings: string[] = [];
  const prefix = 'SPINDLE_';
  const known = [...byVariable.keys()].map((n) => n.slice(prefix.length));
  for (const name of names) {
    if (!name.startsWith(prefix) || byVariable.has(name) || OTHER_VARIABLES.has(name)) continue;
    const match = closestMatch(name.slice(prefix.length), known);
    if (match === undefined) continue;
    const variable = prefix + match;
    warnings.push(`environment variable ${name} names no configuration key; did you mean ${variable} (${byVariable.get(variable)})?`);
  }
  return warnings;
}

function readPropertiesVariable(text: string | undefined): SourceResult {
  const result: SourceResult = { entries: [], problems: [] };
  for (const [index, rawLine] of (text ?? '').split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const key = colon < 0 ? '' : line.slice(0, colon).trim();
    if (key === '') {
      result.problems.push(`SPINDLE_PROPERTIES line ${index + 1}: '${line}' is not of the form 'key: value'`);
      continue;
    }
    result.entries.push({ key, value: line.slice(colon + 1).trim(), kind: 'environment', label: 'SPINDLE_PROPERTIES' });
  }
  return result;
}

export function dynamicEntries(dynamic: Record<string, string>): RawEntry[] {
  return Object.entries(dynamic).map(([key, value]) => ({ key, value, kind: 'dynamic', label: '-D' }));
}

/** Raw `-D` arguments (`key=value`, with or without the `-D`); a malformed one is a problem, not an exception. */
export function dynamicPropertyEntries(properties: readonly string[]): SourceResult {
  const result: SourceResult = { entries: [], problems: [] };
  for (const arg of properties) {
    const body = arg.startsWith('-D') ? arg.slice(2) : arg;
    const eq = body.indexOf('=');
    const key = eq < 0 ? '' : body.slice(0, eq).trim();
    if (key === '') result.problems.push(`invalid dynamic property '${arg}': expected -D key=value`);
    else result.entries.push({ key, value: body.slice(eq + 1).trim(), kind: 'dynamic', label: '-D' });
  }
  return result;
}
