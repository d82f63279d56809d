/**
 * The real Hadoop the integration suites share: one cluster per mocha run, in
 * .spindle/hadoop-test, started by the first suite that asks for it and stopped after the last
 * test (a root-level `after`, registered when this module is first imported). Suites skip, saying
 * why, only when Java 17 or Maven is missing; with both present they always run.
 *
 * Its ResourceManager rolls the AMRM master key every two minutes instead of every day, so every YARN
 * suite runs across key rolls (yarn-resilience.test.ts checks that a session outlives them).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { findJavaTools, HadoopHarnessError, startHadoop, stopHadoop, type HadoopCluster } from '../hadoop/harness.js';
import { REPO_ROOT } from './cli-harness.js';

export const SHARED_HADOOP_HOME = path.join(REPO_ROOT, '.spindle', 'hadoop-test');
const HADOOP_CLI = path.join(REPO_ROOT, 'integration', 'dist', 'hadoop', 'cli.js');

/**
 * The shared cluster's YARN settings. The RM refuses a rolling interval of 3 times the AM expiry
 * interval or less (the next key is activated 1.5 expiry intervals after a roll). The expiry runs
 * from the AppMaster container's launch, localization included: the NodeManager starts a
 * localizer JVM for the application's files, which alone took 18 s on a loaded 2-core machine,
 * so 20 s expired AppMasters before they could start; 40 s leaves room for it.
 */
export const SHARED_YARN_SITE = {
  'yarn.am.liveness-monitor.expiry-interval-ms': '40000',
  'yarn.resourcemanager.am-rm-tokens.master-key-rolling-interval-secs': '121',
} as const;

let shared: Promise<HadoopCluster> | undefined;

/** Why Hadoop cannot run here (no Java 17, no Maven), or undefined when it can. */
export function hadoopUnavailable(): string | undefined {
  try {
    findJavaTools();
    return undefined;
  } catch (e) {
    if (e instanceof HadoopHarnessError) return e.message;
    throw e;
  }
}

/** From a `before` hook: skips the suite when Hadoop cannot run here, and prints the reason. */
export function skipWithoutHadoop(context: Mocha.Context): void {
  const reason = hadoopUnavailable();
  if (reason === undefined) return;
  console.warn(`      Hadoop tests skipped: ${reason}`);
  context.skip();
}

/** The shared cluster, started on first use. */
export function sharedHadoop(): Promise<HadoopCluster> {
  shared ??= startHadoop({ home: SHARED_HADOOP_HOME, yarnSite: SHARED_YARN_SITE });
  return shared;
}

after(async function () {
  if (shared === undefined) return;
  this.timeout(120_000);
  shared = undefined;
  await stopHadoop({ home: SHARED_HADOOP_HOME });
});

export interface HadoopCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run hadoop -- <args>` (its compiled script) with `env` added to this process's environment. */
export function runHadoopCli(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<HadoopCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HADOOP_CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
