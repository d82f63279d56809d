import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError, DeploymentOptions, getLogger, randomHexId, type Configuration } from '@spindle/core';
import type { ApplicationStatus, RecoveredWorker, ResourceDriver, ResourceEventHandler, WorkerResourceSpec } from '@spindle/runtime';
import type { ResourceDriverFactory } from './cluster-entrypoint.js';
import { PROCESS_LOG_FILE_ENV, ensureDir, logDir } from './process-common.js';

/**
 * Starts TaskManagers as child processes of the JobManager and stops them on request (SIGTERM,
 * then SIGKILL after 10 s). `command` (program first) starts a TaskManager with the JobManager's
 * configuration; the driver adds the resource id and the worker's size (process size and cores
 * as `-D` options). The launcher that started the JobManager
 * knows that command, so this package does not depend on where the CLI is installed.
 *
 * Child processes do not outlive an attempt in a way it could adopt, so `start` recovers none;
 * there is no resource provider to deregister from, so `deregisterApplication` only logs.
 */
export class LocalProcessDriver implements ResourceDriver {
  private readonly workers = new Map<string, ChildProcess>();
  private handler: ResourceEventHandler = { onWorkerTerminated: () => undefined };
  private closed = false;
  private readonly log = getLogger('local-process-driver');
  /** The status the application ended with, once deregistered. */
  finalStatus: { status: ApplicationStatus; diagnostics: string } | undefined;

  constructor(
    private readonly config: Configuration,
    private readonly command: readonly string[],
  ) {}

  async start(handler: ResourceEventHandler): Promise<readonly RecoveredWorker[]> {
    this.handler = handler;
    return [];
  }

  async requestWorker(spec: WorkerResourceSpec): Promise<string> {
    const id = `localhost-${randomHexId().slice(0, 8)}`;
    const logFile = path.join(ensureDir(logDir(this.config)), `spindle-taskmanager-${id}.log`);
    const out = fs.openSync(logFile, 'a');
    const [program, ...args] = this.command;
    const dynamic = [
      `-Dtaskmanager.resource-id=${id}`,
      `-Dtaskmanager.memory.process.size=${spec.memoryMb}m`,
      `-Dtaskmanager.cpu.cores=${spec.vcores}`,
    ];
    const child = spawn(program!, [...args, ...dynamic], {
      stdio: ['ignore', out, out],
      env: { ...process.env, [PROCESS_LOG_FILE_ENV]: logFile },
    });
    fs.closeSync(out);
    this.workers.set(id, child);
    child.once('exit', (code, signal) => {
      this.workers.delete(id);
      if (this.closed) return;
      const diagnostics = signal ? `killed by ${signal}` : code === 0 ? 'exited' : `failed; the end of ${logFile}:\n${logTail(logFile)}`;
      this.handler.onWorkerTerminated(id, { exitCode: signal ? null : code, diagnostics });
    });
    return id;
  }

  async releaseWorker(resourceId: string): Promise<void> {
    await stop(this.workers.get(resourceId));
  }

  async deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    this.finalStatus = { status, diagnostics };
    this.log.info('application finished', { status, diagnostics });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers.values()].map(stop));
  }
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join('\n');
  } catch {
    return '(no log)';
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

/**
 * The drivers of `spindle jobmanager`: none for `resourcemanager.driver: standalone`, local
 * processes started with `taskManagerCommand` (program first) for `local-process`.
 */
export function standaloneDriverFactory(taskManagerCommand: readonly string[] = []): ResourceDriverFactory {
  return (config) => {
    if (config.get(DeploymentOptions.RESOURCE_DRIVER) !== 'local-process') return undefined;
    if (taskManagerCommand.length === 0) {
      throw new ConfigurationError([
        `${DeploymentOptions.RESOURCE_DRIVER.key}: local-process needs a command that starts TaskManagers, and this JobManager was started without one`,
      ]);
    }
    return new LocalProcessDriver(config, taskManagerCommand);
  };
}
