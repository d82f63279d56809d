/**
 * Nexmark queries q0-q3, q5, q7 and q8 over one events file made by Spindle's built-in generator
 * (SPINDLE_BENCH_NEXMARK_EVENTS events, default 10 million, seed 0, 10,000 events per second of
 * event time), read by every contestant: a plain Node loop computing each query directly (the
 * reference answer), Spindle (`spindle run examples/nexmark/<q>.ts -p 1`) and Flink (the peer's
 * Nexmark job at parallelism 1). Making the file is timed apart and never counted for anyone.
 *
 * Two passes. Verification: on a prefix of the same stream (SPINDLE_BENCH_NEXMARK_CHECK_EVENTS
 * events, default 500,000, a file of its own) every contestant writes its results, which must
 * equal the Node loop's as sorted multisets of lines. Timing: on the full file with the results
 * dropped, SPINDLE_BENCH_REPEAT runs each. A contestant that fails or differs fails the benchmark.
 * Spindle is skipped, with a note, for a query whose example file does not exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { repeatCount, repeatRuns, runTimed } from '../lib/measure.mjs';
import { ensureNexmarkEvents } from '../lib/nexmark-events.mjs';
import { javaCommand } from '../lib/peers.mjs';
import { ratio, spreadCell, summaryFigures } from '../lib/report.mjs';
import { compareSortedLines, readSortedLines } from '../lib/result-lines.mjs';
import { shellQuote } from '../lib/shell.mjs';
import { partFiles } from '../lib/word-counts.mjs';

export const name = 'nexmark';
export const description =
  'Nexmark q0-q3, q5, q7, q8 on one events file: spindle p=1 vs flink p=1 and a plain Node loop (events/s per core)';

const QUERIES = ['q0', 'q1', 'q2', 'q3', 'q5', 'q7', 'q8'];
/** Spindle's events/s per core to reach for these queries; every query is also held to Flink's figure in the same run. */
const TARGETS = { q0: 400_000, q1: 400_000, q2: 400_000, q5: 75_000, q8: 160_000 };
const TARGET_VS_FLINK = 1;
const PARALLELISM = 1;
const SEED = 0;
const RATE = 10_000;
const NODE_LOOP = 'node-loop';
const SPINDLE = `spindle p=${PARALLELISM}`;

export async function run(ctx) {
  const events = positiveNumberFromEnv('SPINDLE_BENCH_NEXMARK_EVENTS', 10_000_000, { integer: true });
  const checkEvents = Math.min(events, positiveNumberFromEnv('SPINDLE_BENCH_NEXMARK_CHECK_EVENTS', 500_000, { integer: true }));
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  const repeat = repeatCount();
  const Nexmark = await loadNexmark();

  const input = prepareEvents(ctx, Nexmark, events, 'events');
  const check = checkEvents === events ? input : prepareEvents(ctx, Nexmark, checkEvents, 'verification events');
  if (check === input) ctx.log('verification events: the same file (it is no larger than SPINDLE_BENCH_NEXMARK_CHECK_EVENTS)');
  warmPageCache(input.file);

  const flink = ctx.peer('flink');
  const outDir = path.join(ctx.dataDir, 'nexmark-out');
  const queries = QUERIES.map((query) => ({ query, contestants: contestants(ctx, query, flink) }));

  ctx.log(
    `verification pass: every contestant writes its results for the ${checkEvents.toLocaleString('en')} events of ${rel(ctx, check.file)}`,
  );
  for (const { query, contestants: list } of queries) {
    await verify(ctx, query, list, check, { outDir, timeoutSec });
  }

  ctx.log(`timed pass: ${events.toLocaleString('en')} events, results dropped; ${repeat} run(s) each, medians with (min-max)`);
  for (const { contestants: list } of queries) {
    for (const contestant of list) {
      if (contestant.check !== 'ok') continue;
      Object.assign(contestant, await timedRuns(ctx, contestant, input.file, { repeat, timeoutSec }));
      if (!contestant.ok) contestant.check = `timed run failed: ${contestant.run.failure}`;
    }
  }

  const rows = queries.flatMap(({ query, contestants: list }) => list.map((outcome) => tableRow(query, outcome, list, events)));
  ctx.result(rows);
  ctx.log(
    `events/s per core: events in the file (${events.toLocaleString('en')}) / job s / parallelism (${PARALLELISM}); ` +
      'per CPU s: events / CPU seconds of all processes; job s: "Job Runtime" of the Spindle CLI, ' +
      "Flink's JobExecutionResult.getNetRuntime(), the Node loop's own loop time; wall s: launch to exit",
  );
  const lines = queries.flatMap(({ query, contestants: list }) => summary(query, list, events));
  for (const line of lines) ctx.log(line);

  ctx.record({
    events: eventsRecord(ctx, input),
    verification: { file: rel(ctx, check.file), events: check.meta.events },
    parallelism: PARALLELISM,
    repetitions: repeat,
    queries: queries.map(({ query, contestants: list }) => ({
      query,
      target: { eventsPerSecPerCore: TARGETS[query] ?? null, vsFlink: TARGET_VS_FLINK },
      contestants: list.map((outcome) => recordedFigures(outcome, events)),
    })),
    summary: lines,
  });
  const failed = queries.flatMap(({ query, contestants: list }) =>
    list.filter((outcome) => !outcome.skipped && outcome.check !== 'ok').map((outcome) => `${query} ${outcome.label}: ${outcome.check}`),
  );
  if (failed.length > 0) throw new Error(failed.join('; '));
}

/** The Nexmark namespace of the built @spindle/datastream. */
async function loadNexmark() {
  try {
    const { Nexmark } = await import('@spindle/datastream');
    return Nexmark;
  } catch (error) {
    throw new Error(`cannot load the built @spindle/datastream (build first: npx tsc -b, or npm run bench): ${error.message}`, {
      cause: error,
    });
  }
}

function prepareEvents(ctx, Nexmark, events, what) {
  const made = ensureNexmarkEvents(Nexmark, ctx.dataDir, { events, seed: SEED, rate: RATE });
  const { meta } = made;
  const generatorRate = Math.round(meta.events / meta.generatorSec).toLocaleString('en');
  const origin = made.generated
    ? `generated in ${meta.totalSec.toFixed(1)} s, not timed: the generator alone ${meta.generatorSec.toFixed(1)} s ` +
      `(${generatorRate} events/s), formatting and writing ${meta.writeSec.toFixed(1)} s`
    : `reused; its generator ran at ${generatorRate} events/s`;
  ctx.log(
    `${what}: ${rel(ctx, made.file)} (${meta.events.toLocaleString('en')} events: ${meta.persons.toLocaleString('en')} people, ` +
      `${meta.auctions.toLocaleString('en')} auctions, ${meta.bids.toLocaleString('en')} bids; ${(meta.bytes / 1e6).toFixed(1)} MB; ` +
      `${(meta.events / meta.rate).toLocaleString('en')} s of event time; seed ${meta.seed}; ${origin})`,
  );
  return made;
}

/** Reads the file once so that no contestant pays for a cold page cache. */
function warmPageCache(file) {
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  while (fs.readSync(fd, buffer) > 0);
  fs.closeSync(fd);
}

/**
 * The contestants of one query in running order, the Node loop first as the reference. Each has
 * `invocation(eventsFile, output)`: the command, writing results to `output` or dropping them
 * when it is null; `outputFiles(output)`: where they are.
 */
function contestants(ctx, query, flink) {
  const list = [
    {
      label: NODE_LOOP,
      invocation: (file, output) => ({
        command: process.execPath,
        args: [path.join(ctx.root, 'scripts/bench/baselines/nexmark-node.mjs'), query, file, ...(output ? ['--output', output] : [])],
      }),
      outputFiles: (output) => (fs.existsSync(output) ? [output] : []),
      outputSuffix: '.txt',
    },
  ];
  const example = `examples/nexmark/${query}.ts`;
  if (fs.existsSync(path.join(ctx.root, example))) {
    list.push({
      label: SPINDLE,
      invocation: (file, output) => ({
        command: process.execPath,
        args: [
          'packages/cli/bin/spindle.js',
          'run',
          example,
          '-p',
          String(PARALLELISM),
          '--events-file',
          file,
          ...(output ? ['--output', output] : ['--discard']),
        ],
      }),
      outputFiles: partFiles,
      outputSuffix: '',
    });
  } else {
    ctx.log(`note: ${SPINDLE} skipped for ${query}: ${example} does not exist`);
    list.push({ label: SPINDLE, skipped: `no ${example}`, check: `skipped: no ${example}`, ok: false });
  }
  if (!flink.skipped) {
    list.push({
      label: `flink ${flink.version} p=${PARALLELISM}`,
      peer: 'flink',
      invocation: (file, output) =>
        javaCommand(flink, 'dev.spindle.bench.flink.Nexmark', [
          '--query',
          query,
          '--input',
          file,
          '--parallelism',
          String(PARALLELISM),
          ...(output ? ['--output', output] : []),
        ]),
      outputFiles: partFiles,
      outputSuffix: '',
    });
  }
  return list;
}

/** Runs every contestant of a query once on the verification events and sets `check` on each. */
async function verify(ctx, query, list, check, { outDir, timeoutSec }) {
  let expected = null;
  for (const contestant of list) {
    if (contestant.skipped) continue;
    const output = path.join(outDir, query, `${contestant.label.replace(/[^\w.=-]+/g, '-')}${contestant.outputSuffix}`);
    fs.rmSync(output, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(output), { recursive: true });
    const { command, args, display } = contestant.invocation(check.file, output);
    ctx.log(`${query} check ${contestant.label}: ${display ?? shellQuote([command, ...args])}`);
    const result = await runTimed(command, args, { cwd: ctx.root, timeoutSec });
    if (result.strays) ctx.log(`note: ${contestant.label} left processes running after it exited; they were killed`);
    if (!result.ok) {
      reportFailure(ctx, `${query} ${contestant.label}`, result);
      contestant.check = `failed: ${result.failure}`;
      continue;
    }
    const lines = readSortedLines(contestant.outputFiles(output));
    contestant.verifiedLines = lines.length;
    if (contestant.label === NODE_LOOP) {
      contestant.check = checkReference(query, lines, check.meta);
      if (contestant.check === 'ok') expected = lines;
    } else {
      contestant.check = expected ? compareSortedLines(expected, lines) : `not compared: ${NODE_LOOP} failed its check`;
    }
    ctx.log(`${query} check ${contestant.label}: ${lines.length.toLocaleString('en')} lines, ${contestant.check}`);
  }
}

/** The Node loop's answer must have a result per bid for q0 and q1, and some result for every query. */
function checkReference(query, lines, meta) {
  if ((query === 'q0' || query === 'q1') && lines.length !== meta.bids)
    return `${lines.length} lines, but the events hold ${meta.bids} bids`;
  if (lines.length === 0) return 'no results';
  return 'ok';
}

async function timedRuns(ctx, contestant, file, { repeat, timeoutSec }) {
  const { command, args, display } = contestant.invocation(file, null);
  ctx.log(`running ${contestant.label}: ${display ?? shellQuote([command, ...args])}`);
  const runs = await repeatRuns(repeat, () => runTimed(command, args, { cwd: ctx.root, timeoutSec }));
  if (runs.run.strays) ctx.log(`note: ${contestant.label} left processes running after it exited; they were killed`);
  if (!runs.ok) reportFailure(ctx, contestant.label, runs.run);
  return { command, args, ...runs };
}

function reportFailure(ctx, label, run) {
  const tail = run.stderrTail || run.stdoutTail;
  ctx.log(`${label} FAILED (${run.failure})${tail ? `; ${run.stderrTail ? 'stderr' : 'stdout'} tail:` : ''}`);
  for (const line of tail ? tail.split('\n') : []) ctx.log(`  | ${line}`);
}

function good(outcome) {
  return Boolean(outcome && outcome.ok && outcome.check === 'ok');
}

/** Events per second of job time per core, or null. */
function perCore(outcome, events) {
  return good(outcome) && outcome.job ? events / outcome.job.median / PARALLELISM : null;
}

function count(value) {
  return value === null ? null : Math.round(value).toLocaleString('en');
}

function tableRow(query, outcome, list, events) {
  const spindle = list.find((other) => other.label === SPINDLE);
  const versus = outcome.label !== SPINDLE && good(spindle);
  const ok = good(outcome);
  return {
    query,
    contestant: outcome.label,
    runs: outcome.repetitions ?? 0,
    'wall s': ok ? spreadCell(outcome.wall) : null,
    'job s': ok ? spreadCell(outcome.job) : null,
    'cpu s': ok ? spreadCell(outcome.cpu) : null,
    'events/s per core': count(perCore(outcome, events)),
    'events/s per CPU s': ok && outcome.cpu ? count(events / outcome.cpu.median) : null,
    'max RSS MB': ok && outcome.rss ? outcome.rss.median.toFixed(0) : null,
    'spindle x job': versus ? ratio(spindle, outcome, 'job') : null,
    'spindle x wall': versus ? ratio(spindle, outcome, 'wall') : null,
    check: outcome.check,
  };
}

/** One line per query: Spindle's figure against its target, and its ratios to Flink and the Node loop. */
function summary(query, list, events) {
  const spindle = list.find((outcome) => outcome.label === SPINDLE);
  const flink = list.find((outcome) => outcome.peer === 'flink');
  const node = list.find((outcome) => outcome.label === NODE_LOOP);
  const target = TARGETS[query];
  if (spindle.skipped) {
    const others = [node, flink].filter(good).map((outcome) => `${outcome.label} ${count(perCore(outcome, events))} events/s per core`);
    return [`nexmark ${query}: ${SPINDLE} skipped (${spindle.skipped})${others.length > 0 ? `; ${others.join(', ')}` : ''}`];
  }
  const figure = perCore(spindle, events);
  const parts = [`${SPINDLE} ${figure === null ? 'no figure' : `${count(figure)} events/s per core`}`];
  let below = target !== undefined && (figure === null || figure < target);
  if (target !== undefined) parts[0] += ` (target >= ${count(target)})`;
  if (flink) {
    const job = ratio(spindle, flink, 'job');
    const wall = ratio(spindle, flink, 'wall');
    // Flink runs each task of a slot on a thread of its own (up to ~2 cores at p=1 here); a Spindle
    // slot runs its tasks on one thread: CPU time shows the work per core of each.
    const cpu = ratio(spindle, flink, 'cpu');
    parts.push(
      `vs ${flink.label}: ${job ?? 'no figure'} by job time, ${wall ?? 'no figure'} with start-up, ${cpu ?? 'no figure'} by CPU time` +
        ` (target >= ${TARGET_VS_FLINK}x by job time)`,
    );
    if (job === null || parseFloat(job) < TARGET_VS_FLINK) below = true;
  } else {
    parts.push('no Flink figure to compare with');
  }
  parts.push(`vs ${NODE_LOOP}: ${ratio(spindle, node, 'job') ?? 'no figure'} by job time`);
  return [`nexmark ${query}: ${parts.join('; ')}${below ? ' - below target' : ''}`];
}

function recordedFigures(outcome, events) {
  if (outcome.skipped) return { label: outcome.label, skipped: outcome.skipped };
  return {
    ...summaryFigures({ ...outcome, repetitions: outcome.repetitions ?? 0 }, events, 'events'),
    parallelism: PARALLELISM,
    eventsPerSecPerCore: perCore(outcome, events),
    verifiedLines: outcome.verifiedLines ?? null,
  };
}

function eventsRecord(ctx, input) {
  const { meta } = input;
  return {
    file: rel(ctx, input.file),
    events: meta.events,
    persons: meta.persons,
    auctions: meta.auctions,
    bids: meta.bids,
    bytes: meta.bytes,
    seed: meta.seed,
    rate: meta.rate,
    generated: input.generated,
    generatorSec: meta.generatorSec,
    generatorEventsPerSec: meta.events / meta.generatorSec,
    writeSec: meta.writeSec,
    totalSec: meta.totalSec,
  };
}

function rel(ctx, file) {
  return path.relative(ctx.root, file);
}
