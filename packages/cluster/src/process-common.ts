import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentOptions, childPath, getLogger, parseFsUri, type Configuration } from '@spindle/core';
import { LogDirectory } from '@spindle/runtime';

const INSTALL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * Set by whoever starts a JobManager or TaskManager process to the file its output goes to, so
 * that the process can name its own log (Flink's `log.file`), for `/jobmanager/log` and
 * `/taskmanagers/:id/log`.
 */
export const PROCESS_LOG_FILE_ENV = 'SPINDLE_PROCESS_LOG_FILE';

/** This process's log directory and own log file (when its launcher said which). */
export function processLogs(config: Configuration): LogDirectory {
  const file = process.env[PROCESS_LOG_FILE_ENV];
  const dir = logDir(config);
  const own = file !== undefined && file !== '' && path.dirname(path.resolve(file)) === dir ? path.basename(file) : undefined;
  return new LogDirectory(dir, own);
}

/** Directory of the cluster processes' logs and pid files: `env.log.dir`, or log/ of the installation. */
export function logDir(config: Configuration): string {
  return path.resolve(config.get(DeploymentOptions.LOG_DIR) ?? path.join(INSTALL_ROOT, 'log'));
}

/**
 * The working directory of one cluster process (job bundles, uploaded jars, cached bundles), as
 * Flink's `blobStore-<uuid>`: made fresh at start-up under `blob.storage.directory` (default: the
 * system temp directory), never shared with another process or cluster, and removed by `remove()`
 * when the process stops.
 */
export interface ProcessWorkDir {
  path: string;
  remove(): void;
}

export function processWorkDir(config: Configuration, role: 'jobmanager' | 'taskmanager'): ProcessWorkDir {
  const configured = config.get(DeploymentOptions.BLOB_DIR);
  // A durable blob directory (hdfs://...) holds the JobManager's blobs; working directories stay local.
  const base = ensureDir(configured === undefined || remoteBlobDir(config) !== undefined ? os.tmpdir() : configured);
  const dir = fs.mkdtempSync(path.join(base, `spindle-${role}-`));
  return { path: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Where the JobManager keeps durable copies of its blobs: `<blob.storage.directory>/blobs` when
 * that directory is on a file system other than the local one (e.g. `hdfs:///spindle`).
 */
export function remoteBlobDir(config: Configuration): string | undefined {
  const configured = config.get(DeploymentOptions.BLOB_DIR);
  if (configured === undefined || parseFsUri(configured).scheme === 'file') return undefined;
  return childPath(configured, 'blobs');
}

/** Cluster processes log JSON lines; SIGTERM and SIGINT close them cleanly. */
export function setUpProcess(role: string, close: () => Promise<void>): void {
  const log = getLogger(role);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error('shutdown failed', { error: e });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
