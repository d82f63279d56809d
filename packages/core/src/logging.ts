import { closeSync, openSync, writeSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'human';
export type LogFields = Record<string, unknown>;

/**
 * Structured logger: a static message plus fields. Never format values into the message, and
 * never log per record.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggingOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Receives every line instead of the file and stderr (tests). */
  sink?: (line: string) => void;
  /** Append lines to this file. */
  file?: string;
  /** Write lines to stderr (the default), besides the file if there is one. */
  console?: boolean;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED_JSON_KEYS = new Set(['ts', 'level', 'logger', 'msg']);

interface LoggingState {
  format: LogFormat;
  level: LogLevel;
  sink: ((line: string) => void) | undefined;
  file: string | undefined;
  console: boolean;
}

/**
 * The variables through which threads and processes started from here log the same way (worker
 * threads copy the environment when they start): level, file, and whether lines go to stderr.
 */
const ENV = { level: 'SPINDLE_LOG_LEVEL', file: 'SPINDLE_LOG_FILE', console: 'SPINDLE_LOG_CONSOLE' } as const;

function isLogLevel(s: string | undefined): s is LogLevel {
  return s !== undefined && Object.hasOwn(LEVEL_RANK, s);
}

function defaultState(): LoggingState {
  const fromEnv = process.env[ENV.level]?.toLowerCase();
  const file = process.env[ENV.file];
  return {
    format: 'human',
    level: isLogLevel(fromEnv) ? fromEnv : 'info',
    sink: undefined,
    file: file === undefined || file === '' ? undefined : file,
    console: process.env[ENV.console] !== 'false',
  };
}

let state: LoggingState = defaultState();
let openFile: { path: string; fd: number } | undefined;

/**
 * Changes the process-wide logging setup. Only the given options change; loggers that already
 * exist follow the new setup.
 */
export function configureLogging(opts: LoggingOptions): void {
  state = { ...state, ...definedOnly(opts) };
}

/** Restores the defaults (human format, level from SPINDLE_LOG_LEVEL or info, stderr). */
export function resetLogging(): void {
  state = defaultState();
}

/** The environment variables that make threads and processes started from here log as this one does. */
export function loggingEnvironment(): Record<string, string> {
  return { [ENV.level]: state.level, [ENV.file]: state.file ?? '', [ENV.console]: String(state.console) };
}

function definedOnly(opts: LoggingOptions): Partial<LoggingState> {
  const out: Partial<LoggingState> = {};
  for (const key of ['format', 'level', 'sink', 'file', 'console'] as const) {
    if (opts[key] !== undefined) Object.assign(out, { [key]: opts[key] });
  }
  return out;
}

function write(line: string): void {
  if (state.sink !== undefined) return state.sink(line);
  if (state.file !== undefined) appendToFile(state.file, line);
  if (state.console) process.stderr.write(line + '\n');
}

/** Appends a line; a log file that cannot be written never fails the caller (the line is lost). */
function appendToFile(path: string, line: string): void {
  try {
    if (openFile?.path !== path) {
      if (openFile !== undefined) closeSync(openFile.fd);
      openFile = { path, fd: openSync(path, 'a') };
    }
    writeSync(openFile.fd, line + '\n');
  } catch {
    // Logging must not turn into a failure of the work being logged.
  }
}

export function getLogger(component: string): Logger {
  return new StructuredLogger(component, {});
}

class StructuredLogger implements Logger {
  constructor(
    private readonly component: string,
    private readonly fields: LogFields,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new StructuredLogger(this.component, { ...this.fields, ...fields });
  }

  isEnabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[state.level];
  }

  private log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.isEnabled(level)) return;
    const all = fields === undefined ? this.fields : { ...this.fields, ...fields };
    const format = state.format === 'json' ? formatJson : formatHuman;
    write(format(new Date(), level, this.component, msg, all));
  }
}

export function formatJson(ts: Date, level: LogLevel, logger: string, msg: string, fields: LogFields): string {
  const entry: Record<string, unknown> = { ts: ts.toISOString(), level, logger, msg };
  for (const [key, value] of Object.entries(fields)) {
    entry[RESERVED_JSON_KEYS.has(key) ? `field.${key}` : key] = jsonFieldValue(value);
  }
  return safeJson(entry);
}

function jsonFieldValue(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ unserializable: String(value) });
  }
}

export function formatHuman(ts: Date, level: LogLevel, logger: string, msg: string, fields: LogFields): string {
  let line = `${clockTime(ts)} ${level.toUpperCase().padEnd(5)} ${logger} ${msg}`;
  for (const [key, value] of Object.entries(fields)) {
    line += ` ${key}=${humanFieldValue(value)}`;
  }
  return line;
}

function clockTime(ts: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const ms = String(ts.getMilliseconds()).padStart(3, '0');
  return `${two(ts.getHours())}:${two(ts.getMinutes())}:${two(ts.getSeconds())}.${ms}`;
}

function humanFieldValue(value: unknown): string {
  if (value instanceof Error) return quoteIfNeeded(value.message);
  if (typeof value === 'string') return quoteIfNeeded(value);
  if (value === null || typeof value !== 'object') return String(value);
  return safeJson(value);
}

function quoteIfNeeded(s: string): string {
  return s.length > 0 && /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}
