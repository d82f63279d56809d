import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentOptions, configureLogging, errorMessage, loggingEnvironment, type Configuration, type LogLevel } from '@spindle/core';

export interface LogRequest {
  /** `--log-level`, before or after the subcommand. */
  logLevel?: LogLevel;
  /** `-v`/`--verbose`, before or after the subcommand. */
  verbose?: boolean;
}

/**
 * Where the client's log lines go, before the configuration is read: to stderr only when the user
 * asks (-v or --log-level), so that the terminal shows Flink's lines, the job's output and clean
 * errors; the level is --log-level, else SPINDLE_LOG_LEVEL, else info.
 */
export function startClientLogging(request: LogRequest): void {
  configureLogging({
    format: 'human',
    console: request.verbose === true || request.logLevel !== undefined,
    ...(request.logLevel ? { level: request.logLevel } : {}),
  });
}

/** `<user>`, as Flink names its client log, without failing where the user has no name. */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The installation's `log/` directory (beside `conf/`). */
function defaultLogDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'log');
}

/** The client's log file: `<env.log.dir>/spindle-<user>-client-<host>.log`, as Flink's `flink-<user>-client-<host>.log`. */
export function clientLogFile(config: Configuration): string {
  const dir = config.get(DeploymentOptions.LOG_DIR) ?? defaultLogDir();
  return path.resolve(dir, `spindle-${userName()}-client-${os.hostname()}.log`);
}

/**
 * Appends the log to the client log file once the configuration is known. With `shareWithThreads`
 * (the embedded cluster of `run`), the worker threads started later log there too. Returns a
 * warning when the file cannot be written.
 */
export function openClientLog(config: Configuration, shareWithThreads: boolean): string | undefined {
  const file = clientLogFile(config);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.closeSync(fs.openSync(file, 'a'));
  } catch (e) {
    return `cannot write the client log ${file}: ${errorMessage(e)}; use -v to see the log on the terminal`;
  }
  configureLogging({ file });
  if (shareWithThreads) Object.assign(process.env, loggingEnvironment());
  return undefined;
}
