import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, removeDir, runCli, tempDir, type CliResult } from './cli-harness.js';
import { expectNoProcessesOf, freePort, killProcessesOf, restGet, until } from './process-harness.js';

export interface SessionClusterOptions {
  /** TaskManager processes `cluster start` starts (0 with an active resource driver). */
  taskManagers: number;
  slotsPerTaskManager: number;
  /** Further `-D` options, e.g. heartbeat settings. */
  dynamic?: string[];
  /** Environment of the CLI and so of the cluster processes (e.g. a private TMPDIR). */
  env?: Record<string, string>;
}

/** A standalone cluster of real processes on free loopback ports, in a directory of its own. */
export interface SessionCluster {
  readonly dir: string;
  /** host:port of the REST API. */
  readonly rest: string;
  /** The `-D` options the cluster was started with; `cluster stop` and restarts need them. */
  readonly dynamic: string[];
  get<T>(p: string): Promise<T>;
  /** `cluster stop`, then checks that no process of the cluster is left and removes its directory. */
  stop(): Promise<void>;
}

/** A REST and an RPC port found free on 127.0.0.1: the REST address and the -D options that bind a JobManager there. */
export async function loopbackEndpoints(): Promise<{ rest: string; dynamic: string[] }> {
  const restPort = await freePort();
  return {
    rest: `127.0.0.1:${restPort}`,
    dynamic: [`-Drest.port=${restPort}`, '-Drest.address=127.0.0.1', `-Djobmanager.rpc.port=${await freePort()}`],
  };
}

/** Starts a session cluster with `spindle cluster start` and waits until its TaskManagers registered. */
export async function startSessionCluster(name: string, options: SessionClusterOptions): Promise<SessionCluster> {
  let dir = '';
  let rest = '';
  let dynamic: string[] = [];
  let start: CliResult | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    dir = tempDir(name);
    const endpoints = await loopbackEndpoints();
    rest = endpoints.rest;
    dynamic = [
      ...endpoints.dynamic,
      `-Dstandalone.number-of-taskmanagers=${options.taskManagers}`,
      `-Dtaskmanager.numberOfTaskSlots=${options.slotsPerTaskManager}`,
      `-Denv.log.dir=${path.join(dir, 'log')}`,
      `-Dblob.storage.directory=${path.join(dir, 'blobs')}`,
      ...(options.dynamic ?? []),
    ];
    start = await runCli(['cluster', 'start', ...dynamic], 60_000, options.env);
    // A port found free can be taken by another process before the JobManager binds it: pick again.
    if (start.code === 0 || !/EADDRINUSE/.test(start.stdout + start.stderr)) break;
    removeDir(dir);
  }
  const get = <T>(p: string): Promise<T> => restGet<T>(rest, p);
  expect(start!.code, describeRun(['cluster', 'start'], start!)).to.equal(0);
  await until(
    `${options.taskManagers} registered TaskManagers`,
    async () => ((await get<{ taskmanagers: number }>('/overview')).taskmanagers === options.taskManagers ? true : undefined),
    30_000,
  );
  return {
    dir,
    rest,
    dynamic,
    get,
    async stop() {
      const stop = await runCli(['cluster', 'stop', ...dynamic], 60_000, options.env);
      if (stop.code !== 0) killProcessesOf(dir);
      await expectNoProcessesOf(dir);
      expect(stop.code, describeRun(['cluster', 'stop'], stop)).to.equal(0);
      removeDir(dir);
    },
  };
}

/** The pid of the TaskManager process (of `spindle cluster start`) whose log names resource id `id`. */
export function taskManagerPid(clusterDir: string, id: string): number {
  const logDir = path.join(clusterDir, 'log');
  for (let i = 0; fs.existsSync(path.join(logDir, `spindle-taskmanager-${i}.pid`)); i++) {
    if (fs.readFileSync(path.join(logDir, `spindle-taskmanager-${i}.log`), 'utf8').includes(id))
      return Number(fs.readFileSync(path.join(logDir, `spindle-taskmanager-${i}.pid`), 'utf8').trim());
  }
  throw new Error(`no TaskManager log of ${clusterDir} names ${id}`);
}
