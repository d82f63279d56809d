/**
 * The cost of checkpoints and the time to recover, on a session cluster whose TaskManagers the
 * local-process driver starts (1 slot each; `heartbeat.interval` 1 s, `heartbeat.timeout` 4 s):
 *
 * - throughput: `scripts/bench/jobs/keyed-sum.ts` (SPINDLE_BENCH_CKPT_RECORDS records, default
 *   30 million, keyed by i % 1000 and reduced) at parallelism 2 with `spindle run -m`, without
 *   checkpoints and with a checkpoint every second; job runtime median of SPINDLE_BENCH_REPEAT
 *   runs each, and their ratio (target: checkpoints cost at most 20%). A bounded job with
 *   checkpoints ends only after a checkpoint taken once its tasks finished (as in Flink), which
 *   adds up to an interval per pipeline stage to a short job; a third run with
 *   `execution.checkpointing.checkpoints-after-tasks-finish: false` shows the cost while records
 *   flow. Checkpoint duration and size come from the job's `/jobs/:jobid/checkpoints` statistics
 *   after each run.
 * - recovery: the same job, long enough not to end, with 1 s checkpoints; a TaskManager process
 *   that runs it is killed with SIGKILL, SPINDLE_BENCH_REPEAT times in a row (each once the job
 *   runs again and a checkpoint completed). For each: fault -> every task RUNNING again (after
 *   a restart), and fault -> the first checkpoint triggered after the fault completed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { repeatCount, repeatRuns, runTimed, spread } from '../lib/measure.mjs';
import { spreadCell } from '../lib/report.mjs';
import { sessionCluster } from '../lib/session-cluster.mjs';
import { shellQuote } from '../lib/shell.mjs';

export const name = 'checkpointing';
export const description =
  'keyed job with and without 1 s checkpoints (cost), checkpoint duration and size, recovery after a TaskManager SIGKILL';

const CLI = 'packages/cli/bin/spindle.js';
const JOB = 'scripts/bench/jobs/keyed-sum.ts';
const TARGET_COST = 0.2;
const RECOVERY_TARGET_SEC = 5;

export async function run(ctx) {
  const records = positiveNumberFromEnv('SPINDLE_BENCH_CKPT_RECORDS', 30_000_000, { integer: true });
  const repeat = repeatCount();
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  const workDir = path.join(ctx.dataDir, 'checkpointing');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  const cluster = await startCluster(ctx, workDir);
  const failures = [];
  try {
    const plain = await throughputRuns(ctx, cluster, { records, repeat, timeoutSec, checkpoints: false });
    const checkpointed = await throughputRuns(ctx, cluster, { records, repeat, timeoutSec, checkpoints: true });
    const steady = await throughputRuns(ctx, cluster, { records, repeat, timeoutSec, checkpoints: true, finalCheckpoint: false });
    const recovery = await recoveryRuns(ctx, cluster, { repeat });
    const rows = [plain, checkpointed, steady].map((o) => ({
      contestant: o.label,
      runs: o.repetitions,
      'job s': o.ok ? spreadCell(o.job) : null,
      'M rec/s job': o.ok && o.job ? (records / o.job.median / 1e6).toFixed(2) : null,
      checkpoints: o.checkpoints ?? null,
      'ckpt duration ms (p50)': o.durationMs ?? null,
      'ckpt size KB (p50)': o.sizeKb ?? null,
      check: o.ok ? 'ok' : o.failure,
    }));
    ctx.result(rows);
    const lines = [];
    for (const [o, what] of [
      [checkpointed, 'with 1 s checkpoints'],
      [steady, 'with 1 s checkpoints while records flow (no final checkpoint after the tasks finish)'],
    ]) {
      if (!plain.ok || !o.ok) continue;
      const ratio = plain.job.median / o.job.median;
      const cost = 1 - ratio;
      lines.push(
        `checkpointing: throughput ${what} = ${ratio.toFixed(2)}x without (cost ${(cost * 100).toFixed(0)}%, target <= ${TARGET_COST * 100}%)` +
          (cost > TARGET_COST ? ' - above target' : ''),
      );
    }
    failures.push(...[plain, checkpointed, steady].filter((o) => !o.ok).map((o) => `${o.label}: ${o.failure}`));
    if (recovery.ok) {
      const fmt = (s) => `${s.median.toFixed(2)} s (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
      lines.push(
        `checkpointing: recovery after TaskManager SIGKILL (heartbeat.timeout 4 s), median of ${recovery.running.length}: ` +
          `fault -> RUNNING ${fmt(spread(recovery.running))}, fault -> first completed checkpoint ${fmt(spread(recovery.checkpoint))} ` +
          `(target < ${RECOVERY_TARGET_SEC} s)` +
          (spread(recovery.running).median >= RECOVERY_TARGET_SEC ? ' - above target' : ''),
      );
    } else failures.push(`recovery: ${recovery.failure}`);
    for (const line of lines) ctx.log(line);
    ctx.record({
      records,
      repetitions: repeat,
      throughput: [plain, checkpointed].map((o) => ({
        label: o.label,
        ok: o.ok,
        jobSec: o.job ?? null,
        checkpoints: o.checkpoints ?? null,
        durationMsP50: o.durationMs ?? null,
        sizeKbP50: o.sizeKb ?? null,
      })),
      recovery: recovery.ok
        ? { faultToRunningSec: recovery.running, faultToCheckpointSec: recovery.checkpoint }
        : { failure: recovery.failure },
      summary: lines,
    });
  } finally {
    await cluster.stop();
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

async function startCluster(ctx, workDir) {
  const cluster = await sessionCluster(ctx, workDir, [
    '-Dresourcemanager.driver=local-process',
    '-Dstandalone.number-of-taskmanagers=0',
    '-Dtaskmanager.numberOfTaskSlots=1',
    '-Dheartbeat.interval=1 s',
    '-Dheartbeat.timeout=4 s',
    '-Dresourcemanager.taskmanager-timeout=120 s',
  ]);
  const start = await cluster.start();
  if (!start.ok) throw new Error(`cluster start failed: ${start.failure} ${start.stderrTail ?? ''}`);
  return cluster;
}

function checkpointArgs(cluster) {
  return ['-Dexecution.checkpointing.interval=1 s', `-Dexecution.checkpointing.dir=${path.join(cluster.workDir, 'checkpoints')}`];
}

async function throughputRuns(ctx, cluster, { records, repeat, timeoutSec, checkpoints, finalCheckpoint = true }) {
  const label = `keyed-sum p=2 ${checkpoints ? 'with 1 s checkpoints' : 'without checkpoints'}${finalCheckpoint ? '' : ', no final checkpoint'}`;
  const out = path.join(cluster.workDir, 'out');
  const args = [
    CLI,
    'run',
    '--no-typecheck',
    '-m',
    cluster.rest,
    '-p',
    '2',
    ...(checkpoints ? checkpointArgs(cluster) : []),
    ...(finalCheckpoint ? [] : ['-Dexecution.checkpointing.checkpoints-after-tasks-finish=false']),
    JOB,
    '--records',
    String(records),
    '--output',
    out,
  ];
  ctx.log(`running ${label}: ${shellQuote([process.execPath, ...args])}`);
  const stats = [];
  const runs = await repeatRuns(repeat, async () => {
    fs.rmSync(out, { recursive: true, force: true });
    const result = await runTimed(process.execPath, args, { cwd: ctx.root, env: cluster.env, timeoutSec });
    const jobId = /JobID ([0-9a-f]{32})/.exec(result.stdoutTail ?? '')?.[1];
    if (result.ok && checkpoints && jobId) stats.push(await cluster.get(`/jobs/${jobId}/checkpoints`).catch(() => null));
    return result;
  });
  if (!runs.ok) return { label, ok: false, failure: runs.run.failure, repetitions: runs.repetitions };
  const outcome = { label, ok: true, job: runs.job, repetitions: runs.repetitions };
  const completed = stats.filter(Boolean);
  if (checkpoints && completed.length > 0) {
    outcome.checkpoints = spread(completed.map((s) => s.counts.completed)).median;
    outcome.durationMs = spread(completed.map((s) => s.summary.end_to_end_duration.p50)).median;
    outcome.sizeKb = (spread(completed.map((s) => s.summary.state_size.p50)).median / 1024).toFixed(1);
  }
  return outcome;
}

async function recoveryRuns(ctx, cluster, { repeat }) {
  const args = [
    'run',
    '--no-typecheck',
    '-m',
    cluster.rest,
    '-d',
    '-p',
    '2',
    ...checkpointArgs(cluster),
    '-Drestart-strategy.type=fixed-delay',
    '-Drestart-strategy.fixed-delay.attempts=100',
    '-Drestart-strategy.fixed-delay.delay=0 s',
    JOB,
    '--records',
    String(2_000_000_000),
    '--output',
    path.join(cluster.workDir, 'recovery-out'),
  ];
  ctx.log(`recovery: ${shellQuote(['node', CLI, ...args])}`);
  const submitted = await cluster.cli(args, 120);
  const jobId = /JobID ([0-9a-f]{32})/.exec(submitted.stdoutTail ?? '')?.[1];
  if (!submitted.ok || !jobId) return { ok: false, failure: `submission failed: ${submitted.failure ?? 'no job id'}` };
  const running = [];
  const checkpoint = [];
  const killed = new Set();
  try {
    for (let i = 0; i < repeat; i++) {
      const before = await waitFor(async () => {
        const s = await cluster.get(`/jobs/${jobId}/checkpoints`);
        return (await allRunning(cluster, jobId)) && s.latest.completed ? s.latest.completed.id : undefined;
      }, 120_000);
      if (before === undefined) return { ok: false, failure: `no checkpoint completed before kill ${i + 1}` };
      const restarts = await numRestarts(cluster, jobId);
      const victim = await busyTaskManagerPid(cluster, killed);
      if (victim === undefined) return { ok: false, failure: 'no TaskManager process running the job found' };
      const fault = Date.now();
      process.kill(victim, 'SIGKILL');
      killed.add(victim);
      const back = await waitFor(
        async () => ((await numRestarts(cluster, jobId)) > restarts && (await allRunning(cluster, jobId)) ? Date.now() : undefined),
        120_000,
        50,
      );
      if (back === undefined) return { ok: false, failure: `the job did not run again within 120 s of kill ${i + 1}` };
      const done = await waitFor(
        async () => {
          const c = (await cluster.get(`/jobs/${jobId}/checkpoints`)).latest.completed;
          return c && c.trigger_timestamp >= fault ? c.latest_ack_timestamp : undefined;
        },
        120_000,
        50,
      );
      if (done === undefined) return { ok: false, failure: `no checkpoint completed within 120 s of kill ${i + 1}` };
      running.push((back - fault) / 1000);
      checkpoint.push((done - fault) / 1000);
      ctx.log(
        `kill ${i + 1}: fault -> RUNNING ${((back - fault) / 1000).toFixed(2)} s, fault -> checkpoint ${((done - fault) / 1000).toFixed(2)} s`,
      );
    }
    return { ok: true, running, checkpoint };
  } finally {
    await fetch(`http://${cluster.rest}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' }).catch(() => undefined);
    await waitFor(async () => ((await cluster.get(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined), 60_000);
  }
}

async function allRunning(cluster, jobId) {
  const { jobs } = await cluster.get('/jobs/overview');
  const job = jobs.find((j) => j.jid === jobId);
  return job !== undefined && job.state === 'RUNNING' && job.tasks.running === job.tasks.total;
}

async function numRestarts(cluster, jobId) {
  const [metric] = await cluster.get(`/jobs/${jobId}/metrics?get=numRestarts`);
  return Number(metric?.value ?? 0);
}

/** The pid of a TaskManager process whose slot the job holds (found by its resource id on its command line). */
async function busyTaskManagerPid(cluster, killed) {
  const { taskmanagers } = await cluster.get('/taskmanagers');
  const busy = taskmanagers.filter((tm) => tm.freeSlots === 0).map((tm) => tm.id);
  for (const pid of fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)) {
    if (killed.has(pid)) continue;
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(cluster.workDir) && busy.some((id) => cmdline.includes(`taskmanager.resource-id=${id}`))) return pid;
  }
  return undefined;
}

/** Polls `probe` until it returns a value; undefined at the deadline. Errors count as not yet. */
async function waitFor(probe, timeoutMs, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return undefined;
}
