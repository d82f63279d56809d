import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { errorMessage } from '../errors.js';
import { allOptions } from './config-option.js';

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

/** Parses YAML text; every scalar stays a string (the failsafe schema), typing is left to the options. */
export function parseConfYaml(text: string, label: string): SourceResult {
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
  flatten(root.toJSON() as Record<string, unknown>, '', (key, value) => entries.push({ key, value, kind: 'file', label }));
  return { entries, problems: [] };
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

function flatten(map: Record<string, unknown>, prefix: string, emit: (key: string, value: string) => void): void {
  for (const [k, v] of Object.entries(map)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key + '.', emit);
    else emit(key, Array.isArray(v) ? v.map(String).join(';') : String(v ?? ''));
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
  for (const option of allOptions()) {
    const name = envVariableFor(option.key);
    const value = env[name];
    if (value !== undefined) result.entries.push({ key: option.key, value, kind: 'environment', label: name });
  }
  return result;
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
