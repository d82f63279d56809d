/**
 * Batch work larger than memory, in one run:
 * - sort: SPINDLE_BENCH_SORT_MB (default 300) MB of 100-byte records sorted by Spindle
 *   (`jobs/batch-sort.ts`, BATCH: a global sort at parallelism 1 after a read at parallelism 2,
 *   within SPINDLE_BENCH_SORT_MEMORY_MB of managed memory) beside GNU sort (LC_ALL=C, `-S` the
 *   same memory, `--parallel=2`), whose output is the reference, and the Flink and Spark peers;
 * - revenue: orders (SPINDLE_BENCH_JOIN_MB, default 200 MB) joined with their customers, then
 *   revenue and order count per nation and segment, by Spindle (`jobs/batch-revenue.ts`) beside
 *   DuckDB (`baselines/revenue-duckdb.mjs`, the reference), Flink and Spark.
 * Every output must equal its reference. Targets: Spindle's sort at least 0.5x GNU sort's
 * throughput, Spindle's join + group-by within 10x DuckDB's time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureRevenueInput, ensureSortInput } from '../lib/batch-data.mjs';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { repeatCount, repeatRuns, runTimed } from '../lib/measure.mjs';
import { javaCommand } from '../lib/peers.mjs';
import { ratio, spreadCell, summaryFigures } from '../lib/report.mjs';
import { compareSortedLines, readSortedLines } from '../lib/result-lines.mjs';
import { shellQuote } from '../lib/shell.mjs';
import { partFiles } from '../lib/word-counts.mjs';

export const name = 'batch';
export const description = 'sort beside GNU sort, join + group-by beside DuckDB, with flink and spark, all larger than managed memory';

const PARALLELISM = 2;
const TARGET_SORT_VS_GNU = 0.5;
const TARGET_REVENUE_VS_DUCKDB = 10;
const SPINDLE = `spindle BATCH p=${PARALLELISM}`;

export async function run(ctx) {
  const sortMb = positiveNumberFromEnv('SPINDLE_BENCH_SORT_MB', 300);
  const joinMb = positiveNumberFromEnv('SPINDLE_BENCH_JOIN_MB', 200);
  const memoryMb = positiveNumberFromEnv('SPINDLE_BENCH_SORT_MEMORY_MB', 64, { integer: true });
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  const repeat = repeatCount();
  const work = path.join(ctx.dataDir, 'batch-out');
  const spill = path.join(work, 'tmp');
  fs.mkdirSync(spill, { recursive: true });
  ctx.log(`repetitions: ${repeat} per contestant; medians are shown with (min-max); managed memory and sort -S: ${memoryMb} MiB`);

  const sortInput = prepare(ctx, 'sort input', ensureSortInput(ctx.dataDir, sortMb), []);
  const revenueInput = ensureRevenueInput(ctx.dataDir, joinMb);
  prepare(ctx, 'revenue input', { ...revenueInput, file: revenueInput.orders }, [revenueInput.customers]);

  const settings = { memoryMb, spill, work, timeoutSec, repeat };
  const sorts = await runAll(ctx, sortContestants(ctx, sortInput.file, settings), settings);
  checkSorts(sorts, sortInput);
  const revenues = await runAll(ctx, revenueContestants(ctx, revenueInput, settings), settings);
  checkRevenues(revenues);

  const sortMbs = sortInput.bytes / 1e6;
  const joinMbs = (revenueInput.bytes + revenueInput.customersBytes) / 1e6;
  ctx.result([
    ...sorts.map((o) => tableRow('sort', o, sorts, sortMbs)),
    ...revenues.map((o) => tableRow('join+group-by', o, revenues, joinMbs)),
  ]);
  ctx.log('job s: Job Runtime as each system reports it (DuckDB: the query); wall s: launch to exit; GNU sort has only wall time');
  const lines = summary(sorts, revenues);
  for (const line of lines) ctx.log(line);
  ctx.record({
    sort: { file: path.relative(ctx.root, sortInput.file), bytes: sortInput.bytes, lines: sortInput.lines, memoryMb },
    revenue: {
      orders: path.relative(ctx.root, revenueInput.orders),
      customers: path.relative(ctx.root, revenueInput.customers),
      bytes: revenueInput.bytes + revenueInput.customersBytes,
      orderLines: revenueInput.ordersLines,
      customerLines: revenueInput.customersLines,
    },
    repetitions: repeat,
    contestants: [
      ...sorts.map((o) => ({ part: 'sort', ...summaryFigures(o, sortMbs, 'mb') })),
      ...revenues.map((o) => ({ part: 'join+group-by', ...summaryFigures(o, joinMbs, 'mb') })),
    ],
    summary: lines,
  });
  const failed = [...sorts, ...revenues].filter((o) => o.check !== 'ok');
  if (failed.length > 0) throw new Error(failed.map((o) => `${o.part} ${o.label}: ${o.check}`).join('; '));
}

/** Logs the input and reads its files once, so that no contestant pays for a cold page cache. */
function prepare(ctx, what, input, others) {
  const origin = input.generated ? `generated in ${input.seconds.toFixed(1)} s, not timed` : 'reused';
  ctx.log(`${what}: ${path.relative(ctx.root, input.file)} (${(input.bytes / 1e6).toFixed(1)} MB; ${origin})`);
  const buffer = Buffer.allocUnsafe(8 << 20);
  for (const file of [input.file, ...others]) {
    const fd = fs.openSync(file, 'r');
    while (fs.readSync(fd, buffer) > 0);
    fs.closeSync(fd);
  }
  return input;
}

function spindleArgs(job, { memoryMb, spill }, jobArgs) {
  return [
    'packages/cli/bin/spindle.js',
    'run',
    '-p',
    String(PARALLELISM),
    '-Dexecution.runtime-mode=BATCH',
    `-Dtaskmanager.memory.managed.size=${memoryMb}mb`,
    `-Dio.tmp.dirs=${spill}`,
    `scripts/bench/jobs/${job}`,
    ...jobArgs,
  ];
}

/** Output files of a contestant in name order (a directory's part files, or the file itself). */
function outputFiles(output) {
  if (!fs.existsSync(output)) return [];
  return fs.statSync(output).isDirectory() ? partFiles(output).sort() : [output];
}

function sortContestants(ctx, input, settings) {
  const out = (label) => path.join(settings.work, `sort-${label.replace(/[^\w.=-]+/g, '-')}`);
  const list = [
    {
      part: 'sort',
      label: 'GNU sort',
      command: 'sort',
      args: ['-S', `${settings.memoryMb}M`, `--parallel=${PARALLELISM}`, '-T', settings.spill, '-o', out('gnu'), input],
      env: { ...process.env, LC_ALL: 'C' },
      output: out('gnu'),
    },
    { part: 'sort', label: SPINDLE, command: process.execPath, output: out('spindle') },
  ];
  list[1].args = spindleArgs('batch-sort.ts', settings, ['--input', input, '--output', out('spindle')]);
  const io = (label) => ['--input', input, '--output', out(label)];
  list.push(...peerContestants(ctx, 'sort', 'BatchSort', io, settings));
  return list;
}

function revenueContestants(ctx, input, settings) {
  const out = (label) => path.join(settings.work, `revenue-${label.replace(/[^\w.=-]+/g, '-')}`);
  const duckdb = path.join(ctx.root, 'scripts/bench/baselines/revenue-duckdb.mjs');
  const files = ['--orders', input.orders, '--customers', input.customers];
  const list = [
    {
      part: 'join+group-by',
      label: `duckdb threads=${PARALLELISM}`,
      command: process.execPath,
      args: [duckdb, input.orders, input.customers, out('duckdb'), String(PARALLELISM)],
      output: out('duckdb'),
    },
    {
      part: 'join+group-by',
      label: SPINDLE,
      command: process.execPath,
      args: spindleArgs('batch-revenue.ts', settings, [...files, '--output', out('spindle')]),
      output: out('spindle'),
    },
  ];
  list.push(...peerContestants(ctx, 'join+group-by', 'BatchRevenue', (label) => [...files, '--output', out(label)], settings));
  return list;
}

/** Flink (BATCH, parallelism 2, the same managed memory) and Spark (local[2]) running `mainClass`. */
function peerContestants(ctx, part, mainClass, io, { memoryMb }) {
  const list = [];
  const flink = ctx.peer('flink');
  if (!flink.skipped) {
    const label = `flink ${flink.version} BATCH p=${PARALLELISM}`;
    const args = [...io('flink'), '--parallelism', String(PARALLELISM), '--managed-memory-mb', String(memoryMb)];
    const command = javaCommand(flink, `dev.spindle.bench.flink.${mainClass}`, args);
    list.push({ part, label, peer: 'flink', ...command, output: io('flink').at(-1) });
  }
  const spark = ctx.peer('spark');
  if (!spark.skipped) {
    const label = `spark ${spark.version} local[${PARALLELISM}]`;
    const command = javaCommand(spark, `dev.spindle.bench.spark.${mainClass}`, [...io('spark'), '--master', `local[${PARALLELISM}]`]);
    // Spark picks the machine's external address unless told otherwise; stay on loopback.
    list.push({ part, label, peer: 'spark', ...command, env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' }, output: io('spark').at(-1) });
  }
  return list;
}

async function runAll(ctx, contestants, { repeat, timeoutSec, spill }) {
  const outcomes = [];
  for (const contestant of contestants) {
    const { label, command, args, env } = contestant;
    ctx.log(`running ${contestant.part} ${label}: ${contestant.display ?? shellQuote([command, ...args])}`);
    const runs = await repeatRuns(repeat, () => {
      fs.rmSync(contestant.output, { recursive: true, force: true });
      return runTimed(command, args, { cwd: ctx.root, env, timeoutSec });
    });
    if (runs.run.strays) ctx.log(`note: ${label} left processes running after it exited; they were killed`);
    if (!runs.ok) {
      const tail = runs.run.stderrTail || runs.run.stdoutTail;
      ctx.log(`${label} FAILED (${runs.run.failure})`);
      for (const line of tail ? tail.split('\n') : []) ctx.log(`  | ${line}`);
    }
    const left = fs.readdirSync(spill);
    if (left.length > 0) {
      ctx.log(`note: ${label} left ${left.length} files in ${spill}; removed`);
      for (const f of left) fs.rmSync(path.join(spill, f), { recursive: true, force: true });
    }
    outcomes.push({ ...contestant, ...runs });
  }
  return outcomes;
}

/** GNU sort's output must have every input line; the others must equal it byte for byte, their part files in name order. */
function checkSorts(outcomes, input) {
  const [reference, ...others] = outcomes;
  reference.check = !reference.ok
    ? `failed: ${reference.run.failure}`
    : lineCount(reference.output) === input.lines
      ? 'ok'
      : 'line count differs from the input';
  for (const outcome of others) {
    const files = outputFiles(outcome.output);
    if (!outcome.ok) outcome.check = `failed: ${outcome.run.failure}`;
    else if (files.length === 0) outcome.check = `no output in ${outcome.output}`;
    else if (reference.check !== 'ok') outcome.check = 'not compared: GNU sort failed';
    else outcome.check = sameBytes(files, reference.output) ? 'ok' : `differs from GNU sort (${lineCount(outcome.output)} lines)`;
  }
}

function lineCount(output) {
  const files = outputFiles(output);
  return Number(
    execFileSync('bash', ['-c', 'cat "$@" | wc -l', 'count', ...files])
      .toString()
      .trim(),
  );
}

function sameBytes(files, reference) {
  try {
    execFileSync('bash', ['-c', 'set -o pipefail; cat "${@:2}" | cmp -s - "$1"', 'compare', reference, ...files]);
    return true;
  } catch {
    return false;
  }
}

/** DuckDB's answer is the reference: one line per nation and segment; the others must equal it as a set of lines. */
function checkRevenues(outcomes) {
  const [reference, ...others] = outcomes;
  const expected = reference.ok ? readSortedLines(outputFiles(reference.output)) : null;
  reference.check = !reference.ok ? `failed: ${reference.run.failure}` : expected.length > 0 ? 'ok' : 'no rows';
  for (const outcome of others) {
    const files = outputFiles(outcome.output);
    if (!outcome.ok) outcome.check = `failed: ${outcome.run.failure}`;
    else if (files.length === 0) outcome.check = `no output in ${outcome.output}`;
    else if (reference.check !== 'ok') outcome.check = 'not compared: DuckDB failed';
    else outcome.check = compareSortedLines(expected, readSortedLines(files));
  }
}

function tableRow(part, outcome, outcomes, mb) {
  const good = outcome.ok && outcome.check === 'ok';
  const spindle = outcomes.find((o) => o.label === SPINDLE);
  const versus = outcome.label !== SPINDLE ? spindle : null;
  return {
    work: part,
    contestant: outcome.label,
    runs: outcome.repetitions,
    'wall s': good ? spreadCell(outcome.wall) : null,
    'job s': good ? spreadCell(outcome.job) : null,
    'cpu s': good ? spreadCell(outcome.cpu) : null,
    'MB/s wall': good ? (mb / outcome.wall.median).toFixed(1) : null,
    'MB/s job': good && outcome.job ? (mb / outcome.job.median).toFixed(1) : null,
    'max RSS MB': good && outcome.rss ? outcome.rss.median.toFixed(0) : null,
    'spilled MB': good && outcome.label === SPINDLE ? spilledMb(outcome.run.stdoutTail) : null,
    'spindle x wall': versus ? ratio(versus, outcome, 'wall') : null,
    'spindle x job': versus ? ratio(versus, outcome, 'job') : null,
    check: outcome.check,
  };
}

/** What Spindle's operators spilled, from the `<operator>.spilledBytes` accumulators `spindle run` prints last. */
function spilledMb(stdoutTail) {
  const bytes = [...(stdoutTail ?? '').matchAll(/^- .+\.spilledBytes: (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return (bytes / 1e6).toFixed(1);
}

function summary(sorts, revenues) {
  const lines = [];
  const [gnu] = sorts;
  const spindleSort = sorts.find((o) => o.label === SPINDLE);
  const sortRatio = ratio(spindleSort, gnu, 'wall');
  lines.push(
    `batch sort: ${SPINDLE} vs GNU sort: ${sortRatio ?? 'no figure'} throughput with start-up (target >= ${TARGET_SORT_VS_GNU}x)` +
      `${sortRatio === null || parseFloat(sortRatio) < TARGET_SORT_VS_GNU ? ' - below target' : ''}`,
  );
  const [duckdb] = revenues;
  const spindleRevenue = revenues.find((o) => o.label === SPINDLE);
  const times = (key) => {
    const r = ratio(duckdb, spindleRevenue, key);
    return r === null ? null : parseFloat(r);
  };
  const [wall, job] = [times('wall'), times('job')];
  const shown = (t) => (t === null ? 'no figure' : `${t.toFixed(2)}x`);
  lines.push(
    `batch join+group-by: ${SPINDLE} takes ${shown(wall)} DuckDB's time with start-up, ${shown(job)} by job time ` +
      `(target <= ${TARGET_REVENUE_VS_DUCKDB}x)${wall === null || wall > TARGET_REVENUE_VS_DUCKDB ? ' - below target' : ''}`,
  );
  for (const [part, outcomes] of [
    ['sort', sorts],
    ['join+group-by', revenues],
  ]) {
    const spindle = outcomes.find((o) => o.label === SPINDLE);
    for (const peer of outcomes.filter((o) => o.peer)) {
      lines.push(
        `batch ${part}: ${SPINDLE} vs ${peer.label}: ${ratio(spindle, peer, 'wall') ?? 'no figure'} throughput with start-up, ` +
          `${ratio(spindle, peer, 'job') ?? 'no figure'} without`,
      );
    }
  }
  return lines;
}
