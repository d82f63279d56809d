import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomHexId, type Configuration } from '@spindle/core';
import type { ResourceDriver } from '@spindle/runtime';
import { PROCESS_LOG_FILE_ENV, ensureDir, logDir } from './process-common.js';

/**
 * Starts TaskManagers as child processes of the JobManager and stops them on request (SIGTERM,
 * then SIGKILL after 10 s). `command` (program first) starts a TaskManager with the JobManager's
 * configuration; the driver adds the resource id. The launcher that started the JobManager
 * knows that command, so this package does not depend on where the CLI is installed.
 */
export class LocalProcessDriver implements ResourceDriver {
  private readonly workers = new Map<string, ChildProcess>();
  private onEnd: (id: string, reason: string) => void = () => undefined;
  private closed = false;

  constructor(
    private readonly config: Configuration,
    private readonly command: readonly string[],
  ) {}

  async start(onWorkerTerminated: (resourceId: string, reason: string) => void): Promise<void> {
    this.onEnd = onWorkerTerminated;
  }

  async requestWorker(): Promise<string> {
    const id = `localhost-${randomHexId().slice(0, 8)}`;
    const dir = ensureDir(logDir(this.config));
    const logFile = path.join(dir, `spindle-taskmanager-${id}.log`);
    const out = fs.openSync(logFile, 'a');
    const [program, ...args] = this.command;
    const child = spawn(program!, [...args, `-Dtaskmanager.resource-id=${id}`], {
      stdio: ['ignore', out, out],
      env: { ...process.env, [PROCESS_LOG_FILE_ENV]: logFile },
    });
    fs.closeSync(out);
    this.workers.set(id, child);
    child.once('exit', (code, signal) => {
      this.workers.delete(id);
      if (!this.closed) this.onEnd(id, signal ? `killed by ${signal}` : `exit code ${code}`);
    });
    return id;
  }

  async releaseWorker(resourceId: string): Promise<void> {
    await stop(this.workers.get(resourceId));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers.values()].map(stop));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
