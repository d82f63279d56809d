import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterOptions, DeploymentOptions, SpindleError, type Configuration } from '@spindle/core';
import { PROCESS_LOG_FILE_ENV, deriveTaskManagerMemory, ensureDir, jobManagerPidAt, logDir } from '@spindle/cluster';
import { CLI_BIN } from './engine-paths.js';

interface ProcessEntry {
  role: 'jobmanager' | 'taskmanager';
  index: number;
  pidFile: string;
  logFile: string;
}

function entry(dir: string, role: ProcessEntry['role'], index: number): ProcessEntry {
  return { role, index, pidFile: path.join(dir, `spindle-${role}-${index}.pid`), logFile: path.join(dir, `spindle-${role}-${index}.log`) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid(e: ProcessEntry): number | undefined {
  if (!fs.existsSync(e.pidFile)) return undefined;
  const pid = Number(fs.readFileSync(e.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function startProcess(e: ProcessEntry, dynamic: string[]): ChildProcess & { pid: number } {
  const out = fs.openSync(e.logFile, 'a');
  const child = spawn(process.execPath, [CLI_BIN, e.role, ...dynamic], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, [PROCESS_LOG_FILE_ENV]: e.logFile },
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(e.pidFile, String(child.pid));
  return child as ChildProcess & { pid: number };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || !isAlive(child.pid!);
}

/**
 * `spindle cluster start`: a JobManager and `standalone.number-of-taskmanagers` TaskManagers, in
 * the background. Returns once the JobManager it started answers on the REST port, told apart
 * from any other program there by the process id it reports. Fails with the end of its log when
 * the JobManager ends first (a port in use, a bad configuration), and stops it when it does not
 * answer in time; TaskManagers are started only after that.
 */
export async function startCluster(config: Configuration, dynamic: string[], print: (line: string) => void): Promise<void> {
  const dir = ensureDir(logDir(config));
  const jm = entry(dir, 'jobmanager', 0);
  const running = runningPid(jm);
  if (running) {
    throw new SpindleError(`a JobManager is already running (pid ${running}, ${jm.pidFile}); stop it with 'spindle cluster stop'`, {
      code: 'CLUSTER_RUNNING',
      userFacing: true,
    });
  }
  // A TaskManager memory configuration that does not fit fails here, before any process starts.
  deriveTaskManagerMemory(config);
  print(`Starting cluster.`);
  const child = startProcess(jm, dynamic);
  print(`Starting standalonesession daemon on host localhost (pid ${child.pid}, log ${jm.logFile}).`);
  await waitForJobManager(config, jm, child);
  const active = config.get(DeploymentOptions.RESOURCE_DRIVER) === 'local-process';
  const n = active ? 0 : config.get(DeploymentOptions.NUM_TASK_MANAGERS);
  for (let i = 0; i < n; i++) {
    const tm = entry(dir, 'taskmanager', i);
    print(`Starting taskexecutor daemon on host localhost (pid ${startProcess(tm, dynamic).pid}, log ${tm.logFile}).`);
  }
}

async function waitForJobManager(config: Configuration, jm: ProcessEntry, child: ChildProcess & { pid: number }): Promise<void> {
  const base = `http://${config.get(ClusterOptions.REST_ADDRESS)}:${config.get(ClusterOptions.REST_PORT)}`;
  const deadline = Date.now() + 30_000;
  let answering: number | undefined;
  while (Date.now() < deadline) {
    if (exited(child)) {
      fs.rmSync(jm.pidFile, { force: true });
      throw new SpindleError(`The JobManager exited during start-up. The end of ${jm.logFile}:\n${logTail(jm.logFile)}`, {
        code: 'CLUSTER_START_FAILED',
        userFacing: true,
      });
    }
    answering = await jobManagerPidAt(base);
    if (answering === child.pid) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  await waitForExit(child.pid);
  fs.rmSync(jm.pidFile, { force: true });
  const who = answering === undefined ? 'it did not answer' : `another JobManager (pid ${answering}) answers there`;
  throw new SpindleError(
    `The JobManager (pid ${child.pid}) was not serving ${base} within 30 s (${who}), so it was stopped; see ${jm.logFile}.`,
    { code: 'CLUSTER_START_FAILED', userFacing: true },
  );
}

function logTail(file: string): string {
  return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
}

/** `spindle cluster stop`: SIGTERM to every process of the pid files, SIGKILL after 10 s. */
export async function stopCluster(config: Configuration, print: (line: string) => void): Promise<void> {
  const dir = logDir(config);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^spindle-(jobmanager|taskmanager)-\d+\.pid$/.test(f)) : [];
  if (files.length === 0) print('No cluster processes to stop.');
  const stopping: Array<Promise<void>> = [];
  for (const f of files.sort().reverse()) {
    const pidFile = path.join(dir, f);
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    const role = f.includes('jobmanager') ? 'standalonesession' : 'taskexecutor';
    if (!isAlive(pid)) {
      print(`No ${role} daemon (pid ${pid}) is running anymore.`);
      fs.rmSync(pidFile, { force: true });
      continue;
    }
    print(`Stopping ${role} daemon (pid: ${pid}) on host localhost.`);
    process.kill(pid, 'SIGTERM');
    stopping.push(waitForExit(pid).then(() => fs.rmSync(pidFile, { force: true })));
  }
  await Promise.all(stopping);
}

async function waitForExit(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
