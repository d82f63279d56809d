/**
 * Runs one child command and measures it: wall-clock time in this process
 * (process.hrtime.bigint around spawn..close) and the CPU time of the child
 * and every descendant it waited for.
 *
 * CPU time comes from GNU time (`/usr/bin/time -f`, Debian package `time`)
 * when it works, otherwise from the cutime/cstime fields of /proc/self/stat
 * (children reaped by this process, in clock ticks). Node's own
 * process.resourceUsage() only covers this process, not its children, so it
 * cannot measure a contestant. Without either source CPU time is null.
 *
 * The child runs in its own process group so a timeout or Ctrl-C can stop
 * it together with anything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { positiveNumberFromEnv } from './env.mjs';

const GNU_TIME = '/usr/bin/time';
const TIME_FORMAT = '%e %U %S %M';
const TAIL_BYTES = 16 * 1024;
const TAIL_LINES = 20;

let cpuSource;

/** 'gnu-time', 'proc-stat' or 'none'; probed once. */
export function cpuTimeSource() {
  cpuSource ??= detectCpuSource();
  return cpuSource;
}

function detectCpuSource() {
  const probe = spawnSync(GNU_TIME, ['-f', TIME_FORMAT, '-o', '/dev/null', 'true'], { stdio: 'ignore' });
  if (probe.status === 0) return 'gnu-time';
  if (readChildTicks() !== null) return 'proc-stat';
  return 'none';
}

/** Repetitions per contestant: SPINDLE_BENCH_REPEAT, else 3 (medians need at least three). */
export function repeatCount() {
  return positiveNumberFromEnv('SPINDLE_BENCH_REPEAT', 3, { integer: true });
}

const JOB_RUNTIME = /^Job Runtime: (\d+(?:\.\d+)?) ms$/gm;

/**
 * The job's own runtime in seconds, from the `Job Runtime: <n> ms` lines a contestant prints
 * (Spindle's CLI, and the JVM peers from their systems' own figures), summed over its jobs;
 * null when it prints none.
 */
export function jobRuntimeSec(stdoutTail) {
  const values = [...(stdoutTail ?? '').matchAll(JOB_RUNTIME)].map((match) => Number(match[1]));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / 1000 : null;
}

/** { median, min, max } of the finite numbers in values, or null when there are none. */
export function spread(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return { median: sorted[Math.floor((sorted.length - 1) / 2)], min: sorted[0], max: sorted.at(-1) };
}

/**
 * Calls runOnce(i) up to `times` times (stopping at the first failed run) and summarises:
 * { ok, run (the median-wall run, or the failed one), repetitions, wall, job, cpu, rss }, where
 * wall, job (from jobRuntimeSec), cpu and rss are spreads over the successful runs.
 */
export async function repeatRuns(times, runOnce) {
  const runs = [];
  for (let i = 0; i < times; i++) {
    const run = await runOnce(i);
    if (!run.ok) return { ok: false, run, repetitions: i + 1, wall: null, job: null, cpu: null, rss: null };
    runs.push({ ...run, jobSec: jobRuntimeSec(run.stdoutTail) });
  }
  const byWall = [...runs].sort((a, b) => a.wallSec - b.wallSec);
  return {
    ok: true,
    run: byWall[Math.floor((byWall.length - 1) / 2)],
    repetitions: runs.length,
    wall: spread(runs.map((run) => run.wallSec)),
    job: spread(runs.map((run) => run.jobSec ?? NaN)),
    cpu: spread(runs.map((run) => run.cpuSec ?? NaN)),
    rss: spread(runs.map((run) => run.maxRssMb ?? NaN)),
  };
}

/**
 * Calls runOnce(i) `times` times and returns the run with the median wall
 * time (the lower middle one for an even count), with `repetitions` added.
 * Stops at the first failed run and returns it.
 */
export async function medianOfRuns(times, runOnce) {
  const runs = [];
  for (let i = 0; i < times; i++) {
    const run = await runOnce(i);
    if (!run.ok) return { ...run, repetitions: i + 1 };
    runs.push(run);
  }
  runs.sort((a, b) => a.wallSec - b.wallSec);
  return { ...runs[Math.floor((runs.length - 1) / 2)], repetitions: runs.length };
}

/**
 * Runs `command args` to completion. Options: cwd, env, stdoutFile (the
 * child's stdout goes there instead of being captured), timeoutSec.
 * Never rejects: a failure is reported in the result with `ok: false`,
 * a `failure` description and the tails of the child's output.
 */
export async function runTimed(command, args, { cwd, env, stdoutFile, timeoutSec } = {}) {
  const source = cpuTimeSource();
  const timeFile = source === 'gnu-time' ? tempFile('time') : null;
  const [file, argv] = timeFile ? [GNU_TIME, ['-f', TIME_FORMAT, '-o', timeFile, command, ...args]] : [command, args];
  const stdoutFd = stdoutFile ? fs.openSync(stdoutFile, 'w') : null;
  const ticksBefore = source === 'proc-stat' ? readChildTicks() : null;
  const start = process.hrtime.bigint();
  try {
    const { exitedAt, ...exit } = await spawnAndWait(file, argv, { cwd, env, stdoutFd, timeoutSec });
    const wallSec = Number(exitedAt - start) / 1e9;
    const cpu = timeFile ? readGnuTime(timeFile) : cpuFromTicks(ticksBefore);
    const ok = !exit.error && !exit.timedOut && exit.code === 0;
    return { ok, failure: ok ? null : describeFailure(exit, timeoutSec), wallSec, ...cpu, ...exit };
  } finally {
    if (stdoutFd !== null) fs.closeSync(stdoutFd);
    if (timeFile) fs.rmSync(timeFile, { force: true });
  }
}

function spawnAndWait(file, argv, { cwd, env, stdoutFd, timeoutSec }) {
  return new Promise((resolve) => {
    const child = spawn(file, argv, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    const stdout = new Tail();
    const stderr = new Tail();
    child.stdout?.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));

    let timedOut = false;
    let settled = false;
    const timer = timeoutSec
      ? setTimeout(() => {
          timedOut = true;
          signalGroup(child.pid, 'SIGKILL');
        }, timeoutSec * 1000)
      : null;
    const onSignal = (signal) => {
      signalGroup(child.pid, 'SIGKILL');
      process.exit(128 + os.constants.signals[signal]);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    // Anything still in the group once the command has exited was left
    // behind; it would skew the next measurement and, holding the pipes
    // open, delay 'close' forever.
    let exitedAt = null;
    let strays = false;
    child.once('exit', () => {
      exitedAt = process.hrtime.bigint();
      strays = signalGroup(child.pid, 'SIGKILL');
    });

    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      exitedAt ??= process.hrtime.bigint();
      const tails = { stdoutTail: stdout.text(), stderrTail: stderr.text() };
      resolve({ ...outcome, exitedAt, timedOut, strays, ...tails });
    };
    child.once('error', (error) => settle({ code: null, signal: null, error }));
    child.once('close', (code, signal) => settle({ code, signal, error: null }));
  });
}

/** Sends `signal` to the process group led by `pid`; false if the group no longer exists. */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function describeFailure(exit, timeoutSec) {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.timedOut) return `timed out after ${timeoutSec} s`;
  if (exit.signal) return `killed by ${exit.signal}`;
  // A shell or GNU time reports a child killed by signal N as exit status 128 + N.
  const signal = exit.code > 128 ? signalName(exit.code - 128) : null;
  return signal ? `exit code ${exit.code} (${signal}?)` : `exit code ${exit.code}`;
}

function signalName(number) {
  return Object.keys(os.constants.signals).find((name) => os.constants.signals[name] === number) ?? null;
}

/** GNU time writes "Command exited with non-zero status N" before the numbers when the child fails. */
function readGnuTime(timeFile) {
  let lines;
  try {
    lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
  } catch {
    return noCpu();
  }
  const fields = (lines.at(-1) ?? '').trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((n) => !Number.isFinite(n))) return noCpu();
  const [, userSec, sysSec, maxRssKb] = fields;
  return { cpuSec: userSec + sysSec, userSec, sysSec, maxRssMb: maxRssKb / 1024 };
}

function cpuFromTicks(ticksBefore) {
  const ticksAfter = readChildTicks();
  if (ticksBefore === null || ticksAfter === null) return noCpu();
  const hz = clockTicksPerSecond();
  const userSec = (ticksAfter.user - ticksBefore.user) / hz;
  const sysSec = (ticksAfter.sys - ticksBefore.sys) / hz;
  return { cpuSec: userSec + sysSec, userSec, sysSec, maxRssMb: null };
}

function noCpu() {
  return { cpuSec: null, userSec: null, sysSec: null, maxRssMb: null };
}

/** cutime and cstime (fields 16 and 17) of /proc/self/stat; the command name may contain spaces. */
function readChildTicks() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[13]);
    const sys = Number(fields[14]);
    return Number.isFinite(user) && Number.isFinite(sys) ? { user, sys } : null;
  } catch {
    return null;
  }
}

let ticksPerSecond;

function clockTicksPerSecond() {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const hz = Number(out.stdout?.trim());
    ticksPerSecond = Number.isFinite(hz) && hz > 0 ? hz : 100;
  }
  return ticksPerSecond;
}

function tempFile(prefix) {
  return path.join(os.tmpdir(), `spindle-bench-${prefix}-${process.pid}-${Date.now()}`);
}

/** Keeps the last TAIL_BYTES of a stream; text() gives its last TAIL_LINES lines. */
class Tail {
  #chunks = [];
  #bytes = 0;

  push(chunk) {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0].length >= TAIL_BYTES) {
      this.#bytes -= this.#chunks.shift().length;
    }
  }

  text() {
    const buffer = Buffer.concat(this.#chunks);
    const text = buffer.subarray(Math.max(0, buffer.length - TAIL_BYTES)).toString('utf8');
    return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  }
}
