/**
 * A Spindle session cluster for a benchmark, started and stopped through the CLI
 * (`spindle cluster start|stop`) on free loopback ports, with its logs, pid files and blobs under
 * the benchmark's work directory.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runTimed } from './measure.mjs';
import { shellQuote } from './shell.mjs';

const CLI = 'packages/cli/bin/spindle.js';

/**
 * The cluster's addresses and commands; `settings` are further `-D` settings of `cluster start`.
 * Nothing runs until `start()`; `stop()` stops it and kills any process `cluster stop` left.
 */
export async function sessionCluster(ctx, workDir, settings, what = 'session cluster') {
  const restPort = await freePort();
  const rest = `127.0.0.1:${restPort}`;
  const logDir = path.join(workDir, 'log');
  const dynamic = [
    `-Drest.port=${restPort}`,
    '-Drest.address=127.0.0.1',
    `-Djobmanager.rpc.port=${await freePort()}`,
    ...settings,
    `-Denv.log.dir=${logDir}`,
    `-Dblob.storage.directory=${path.join(workDir, 'blobs')}`,
  ];
  const env = { ...process.env, SPINDLE_LOG_LEVEL: process.env.SPINDLE_LOG_LEVEL ?? 'warn' };
  const cli = (args, timeout) => runTimed(process.execPath, [CLI, ...args], { cwd: ctx.root, env, timeoutSec: timeout });
  return {
    rest,
    env,
    workDir,
    cli,
    start: () => {
      ctx.log(`starting a ${what}: ${shellQuote(['node', CLI, 'cluster', 'start', ...dynamic])}`);
      return cli(['cluster', 'start', ...dynamic], 120);
    },
    stop: async () => {
      const stop = await cli(['cluster', 'stop', ...dynamic], 60);
      if (!stop.ok) ctx.log(`note: cluster stop failed (${stop.failure})`);
      killLeftovers(ctx, logDir);
    },
    get: async (p) => {
      const response = await fetch(`http://${rest}${p}`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`GET ${p}: HTTP ${response.status}`);
      return response.json();
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Kills cluster processes that `cluster stop` left running, by the pid files the cluster wrote. */
function killLeftovers(ctx, logDir) {
  if (!fs.existsSync(logDir)) return;
  for (const file of fs.readdirSync(logDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(fs.readFileSync(path.join(logDir, file), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isClusterProcess(pid, logDir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      ctx.log(`note: cluster process ${pid} (${file}) was still running after cluster stop; killed`);
    } catch {
      // already gone
    }
  }
}

/** Whether pid is still one of this cluster's processes (its command line names our log directory). */
function isClusterProcess(pid, logDir) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(logDir);
  } catch {
    return false;
  }
}
