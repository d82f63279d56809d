/**
 * A keyed job between two TaskManager processes of a real standalone cluster: `spindle cluster
 * start` with 2 TaskManagers of 1 slot each, and `scripts/bench/jobs/keyed-sum.ts` submitted at
 * parallelism 2 with `spindle run -m`, so the workers run in slot threads and half of the
 * records cross the TaskManagers' TCP data plane. Beside it, the Flink peer runs the same job
 * (KeyedSum) at parallelism 2 in a local MiniCluster of 2 TaskManagers with 1 slot each.
 *
 * The cluster is started once (its start-up is printed, not counted in the wall times) and
 * stopped afterwards, also when the benchmark fails. Every run's 1000 `key sum count` lines are
 * checked against the closed-form sums.
 */
import fs from 'node:fs';
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { repeatCount, repeatRuns, runTimed } from '../lib/measure.mjs';
import { javaCommand } from '../lib/peers.mjs';
import { ratio, spreadCell, summaryFigures } from '../lib/report.mjs';
import { sessionCluster } from '../lib/session-cluster.mjs';
import { shellQuote } from '../lib/shell.mjs';
import { partFiles } from '../lib/word-counts.mjs';

export const name = 'shuffle-cluster';
export const description = 'keyed job across two TaskManager processes: spindle standalone cluster vs flink MiniCluster (p=2)';

const KEYS = 1000;
const PARALLELISM = 2;
const TASK_MANAGERS = 2;
const TARGET_VS_FLINK = 0.5;
const CLI = 'packages/cli/bin/spindle.js';
const SPINDLE = `spindle cluster ${TASK_MANAGERS} TMs p=${PARALLELISM}`;

export async function run(ctx) {
  const records = positiveNumberFromEnv('SPINDLE_BENCH_RECORDS', 10_000_000, { integer: true });
  const repeat = repeatCount();
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  ctx.log(
    `records: ${records.toLocaleString('en')} of the form [i % ${KEYS}, i, 1], summed per key; ` +
      `${repeat} run(s) per contestant, medians shown with (min-max)`,
  );
  const workDir = path.join(ctx.dataDir, 'shuffle-cluster');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });

  const outcomes = [await runSpindle(ctx, workDir, { records, repeat, timeoutSec })];
  const flink = ctx.peer('flink');
  if (!flink.skipped) outcomes.push(await runFlink(ctx, flink, workDir, { records, repeat, timeoutSec }));

  ctx.result(outcomes.map((outcome) => tableRow(outcome, outcomes[0], records)));
  ctx.log(
    'job s: Spindle\'s "Job Runtime" from the CLI, Flink\'s JobExecutionResult.getNetRuntime(); ' +
      'wall s: the submitting client (spindle run -m; the cluster was already up) or the whole Flink JVM, launch to exit',
  );
  const lines = summary(outcomes);
  for (const line of lines) ctx.log(line);
  ctx.record({
    records,
    repetitions: repeat,
    contestants: outcomes.map((outcome) => ({
      ...summaryFigures(outcome, records, 'records'),
      clusterStartSec: outcome.clusterStartSec ?? null,
    })),
    summary: lines,
  });
  const failed = outcomes.filter((outcome) => outcome.check !== 'ok');
  if (failed.length > 0) throw new Error(failed.map((outcome) => `${outcome.label}: ${outcome.check}`).join('; '));
}

async function runSpindle(ctx, workDir, { records, repeat, timeoutSec }) {
  const cluster = await sessionCluster(
    ctx,
    workDir,
    [`-Dstandalone.number-of-taskmanagers=${TASK_MANAGERS}`, '-Dtaskmanager.numberOfTaskSlots=1'],
    'standalone cluster',
  );
  const { rest, env } = cluster;
  const started = process.hrtime.bigint();
  try {
    const start = await cluster.start();
    if (!start.ok) return failedOutcome(ctx, SPINDLE, start, `cluster start failed: ${start.failure}`);
    const ready = await waitForTaskManagers(rest, TASK_MANAGERS, 60_000);
    if (!ready) return failedOutcome(ctx, SPINDLE, start, `${TASK_MANAGERS} TaskManagers did not register in 60 s`);
    const clusterStartSec = Number(process.hrtime.bigint() - started) / 1e9;
    ctx.log(`cluster up with ${TASK_MANAGERS} TaskManagers in ${clusterStartSec.toFixed(1)} s`);

    const out = path.join(workDir, 'spindle-out');
    const args = [
      CLI,
      'run',
      '-m',
      rest,
      '-p',
      String(PARALLELISM),
      'scripts/bench/jobs/keyed-sum.ts',
      '--records',
      String(records),
      '--output',
      out,
    ];
    ctx.log(`running ${SPINDLE}: ${shellQuote([process.execPath, ...args])}`);
    const runs = await repeatRuns(repeat, async () => {
      fs.rmSync(out, { recursive: true, force: true });
      const result = await runTimed(process.execPath, args, { cwd: ctx.root, env, timeoutSec });
      return checkedRun(result, () => partFiles(out), records);
    });
    // The cluster's processes are not the client's children: their CPU time and memory are not
    // in the client's figures, so those columns stay empty rather than show the client's.
    return { ...outcome(ctx, { label: SPINDLE, command: process.execPath, args, clusterStartSec }, runs), cpu: null, rss: null };
  } finally {
    await cluster.stop();
  }
}

async function runFlink(ctx, flink, workDir, { records, repeat, timeoutSec }) {
  const label = `flink ${flink.version} MiniCluster ${TASK_MANAGERS} TMs p=${PARALLELISM}`;
  const out = path.join(workDir, 'flink-sums.txt');
  const command = javaCommand(flink, 'dev.spindle.bench.flink.KeyedSum', [
    '--records',
    String(records),
    '--output',
    out,
    '--parallelism',
    String(PARALLELISM),
    '--taskmanagers',
    String(TASK_MANAGERS),
  ]);
  ctx.log(`running ${label}: ${command.display}`);
  const runs = await repeatRuns(repeat, async () => {
    fs.rmSync(out, { force: true });
    const result = await runTimed(command.command, command.args, { cwd: ctx.root, timeoutSec });
    return checkedRun(result, () => (fs.existsSync(out) ? [out] : []), records);
  });
  return outcome(ctx, { label, peer: 'flink', command: command.command, args: command.args }, runs);
}

/** The run, turned into a failure when its output is not the expected sums. */
function checkedRun(result, files, records) {
  if (!result.ok) return result;
  const problem = checkSums(files(), records);
  return problem ? { ...result, ok: false, failure: `wrong output: ${problem}` } : result;
}

/** null when the files hold exactly one `key sum count` line per key with the right figures. */
function checkSums(files, records) {
  if (files.length === 0) return 'no output files';
  const seen = new Map();
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const [key, sum, count, extra] = line.trim().split(/\s+/).map(Number);
      if (extra !== undefined || ![key, sum, count].every(Number.isSafeInteger)) return `cannot parse ${JSON.stringify(line)}`;
      if (seen.has(key)) return `key ${key} appears twice`;
      seen.set(key, [sum, count]);
    }
  }
  for (let key = 0; key < Math.min(KEYS, records); key++) {
    const count = Math.floor(records / KEYS) + (key < records % KEYS ? 1 : 0);
    const sum = count * key + (KEYS * count * (count - 1)) / 2;
    const got = seen.get(key);
    if (!got) return `key ${key} missing`;
    if (got[0] !== sum || got[1] !== count) return `key ${key}: ${got.join(' ')}, expected ${sum} ${count}`;
  }
  if (seen.size !== Math.min(KEYS, records)) return `${seen.size} keys, expected ${Math.min(KEYS, records)}`;
  return null;
}

function outcome(ctx, contestant, runs) {
  if (runs.run.strays) ctx.log(`note: ${contestant.label} left processes running after it exited; they were killed`);
  if (!runs.ok) reportFailure(ctx, contestant.label, runs.run);
  return { ...contestant, ...runs, check: runs.ok ? 'ok' : runs.run.failure };
}

function failedOutcome(ctx, label, run, check) {
  reportFailure(ctx, label, { ...run, failure: check });
  return { label, ok: false, run, repetitions: 0, check };
}

function reportFailure(ctx, label, run) {
  const tail = run.stderrTail || run.stdoutTail;
  ctx.log(`${label} FAILED (${run.failure})${tail ? `; ${run.stderrTail ? 'stderr' : 'stdout'} tail:` : ''}`);
  for (const line of tail ? tail.split('\n') : []) ctx.log(`  | ${line}`);
}

function tableRow(outcome, spindle, records) {
  const good = outcome.ok && outcome.check === 'ok';
  const rate = (spread) => (good && spread ? (records / spread.median / 1e6).toFixed(2) : null);
  const isSpindle = outcome === spindle;
  return {
    contestant: outcome.label,
    runs: outcome.repetitions,
    'wall s': good ? spreadCell(outcome.wall) : null,
    'job s': good ? spreadCell(outcome.job) : null,
    'M rec/s wall': rate(outcome.wall),
    'M rec/s job': rate(outcome.job),
    'M rec/s per core': rate(outcome.cpu),
    'max RSS MB': good && outcome.rss ? outcome.rss.median.toFixed(0) : null,
    'spindle x wall': isSpindle ? null : ratio(spindle, outcome, 'wall'),
    'spindle x job': isSpindle ? null : ratio(spindle, outcome, 'job'),
    check: outcome.check,
  };
}

function summary(outcomes) {
  const [spindle, flink] = outcomes;
  if (!flink) return [`shuffle-cluster: no Flink figure to compare with (target >= ${TARGET_VS_FLINK}x Flink)`];
  const wall = ratio(spindle, flink, 'wall');
  const job = ratio(spindle, flink, 'job');
  const below = job === null || parseFloat(job) < TARGET_VS_FLINK ? ' - below target' : '';
  return [
    `shuffle-cluster: ${spindle.label} vs ${flink.label}: ${job ?? 'no figure'} throughput by job runtime, ` +
      `${wall ?? 'no figure'} by wall time (target >= ${TARGET_VS_FLINK}x)${below}`,
  ];
}

/** Polls the REST API's /overview until `count` TaskManagers registered; false at the deadline. */
async function waitForTaskManagers(rest, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${rest}/overview`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.json()).taskmanagers >= count) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
