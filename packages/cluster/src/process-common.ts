import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterOptions, DeploymentOptions, getLogger, type Configuration } from '@spindle/core';

const INSTALL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Directory of the cluster processes' logs and pid files: `env.log.dir`, or log/ of the installation. */
export function logDir(config: Configuration): string {
  return path.resolve(config.get(DeploymentOptions.LOG_DIR) ?? path.join(INSTALL_ROOT, 'log'));
}

/** Loopback names are bound and advertised as 127.0.0.1. */
export function bindHost(host: string | undefined): string {
  return host === undefined || host === 'localhost' ? '127.0.0.1' : host;
}

export function jobManagerHost(config: Configuration): string {
  return bindHost(config.get(ClusterOptions.JOB_MANAGER_ADDRESS));
}

export function resourceManagerAddress(config: Configuration): string {
  return `resourcemanager@${jobManagerHost(config)}:${config.get(ClusterOptions.JOB_MANAGER_PORT)}/resourcemanager`;
}

export function dispatcherAddress(config: Configuration): string {
  return `dispatcher@${jobManagerHost(config)}:${config.get(ClusterOptions.JOB_MANAGER_PORT)}/dispatcher`;
}

export function blobDir(config: Configuration, role: string): string {
  const base = config.get(DeploymentOptions.BLOB_DIR) ?? path.join(os.tmpdir(), `spindle-blobs-${process.getuid?.() ?? 'user'}`);
  return path.join(base, role);
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
