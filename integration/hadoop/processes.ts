/**
 * The harness's view of processes: whether the launcher recorded in a state file is still that
 * launcher, and which processes work inside a data directory (the containers the NodeManager
 * started, which run in their own sessions under the data directory).
 */
import fs from 'node:fs';
import path from 'node:path';

export const LAUNCHER_MAIN_CLASS = 'dev.spindle.hadoop.HarnessMain';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True if `pid` is a harness launcher for `home` (a recycled pid is some other program). */
export function isLauncherOf(pid: number, home: string): boolean {
  const args = commandLine(pid);
  return args !== undefined && args.includes(LAUNCHER_MAIN_CLASS) && args.includes(home);
}

function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/** Processes other than `except` whose working directory or command line lies under `dir`. */
export function processesUnder(dir: string, except: number[] = []): number[] {
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || except.includes(pid)) continue;
    if (workingDirectory(pid)?.startsWith(prefix) || commandLine(pid)?.some((arg) => arg.includes(prefix))) pids.push(pid);
  }
  return pids;
}

function workingDirectory(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`) + path.sep;
  } catch {
    return undefined;
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Polls `probe` every 100 ms until it yields a value (errors count as "not yet") or the deadline passes. */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
