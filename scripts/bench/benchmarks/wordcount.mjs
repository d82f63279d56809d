/**
 * WordCount over generated text (SPINDLE_BENCH_MB, default 100 MB), in BATCH and STREAMING mode.
 * Every contestant reads the same file in the same run: node-loop (the reference answer), awk,
 * Spindle, and the JVM peers selected with --peers (Flink in both modes, Spark for the batch
 * job). Every output must match node-loop's exactly; STREAMING outputs hold every update, so
 * their number of lines must equal the number of tokens and each word's last count must match.
 */
import fs from 'node:fs';
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { repeatCount, repeatRuns, runTimed } from '../lib/measure.mjs';
import { javaCommand } from '../lib/peers.mjs';
import { ratio, spreadCell, summaryFigures } from '../lib/report.mjs';
import { shellQuote, findOnPath } from '../lib/shell.mjs';
import { ensureWordsFile } from '../lib/text-gen.mjs';
import { compareWordCounts, partFiles, readWordCounts, readWordCountUpdates } from '../lib/word-counts.mjs';

export const name = 'wordcount';
export const description = 'WordCount on generated text: spindle (BATCH p=1, p=2; STREAMING p=2) vs flink, spark, node-loop and awk';

const TARGET_VS_MAWK = 0.5;
const TARGET_VS_FLINK = 1;
const MAWK = '/usr/bin/mawk';
const AWK_PROGRAM = '{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) print w, c[w] }';
const PARALLELISM = 2;
const SPINDLE_BATCH = `spindle BATCH p=${PARALLELISM}`;
const SPINDLE_STREAMING = `spindle STREAMING p=${PARALLELISM}`;

export async function run(ctx) {
  const mb = positiveNumberFromEnv('SPINDLE_BENCH_MB', 100);
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  const input = prepareInput(ctx, mb);
  const repeat = repeatCount();
  ctx.log(`repetitions: ${repeat} per contestant; medians are shown with (min-max)`);

  const outDir = path.join(ctx.dataDir, 'wordcount-out');
  const outcomes = [];
  for (const contestant of contestants(ctx, input.file, outDir)) {
    outcomes.push(await runContestant(ctx, contestant, { repeat, timeoutSec }));
  }
  checkOutcomes(outcomes, input);

  ctx.result(outcomes.map((outcome) => tableRow(outcome, outcomes, input.bytes)));
  ctx.log(
    'job s: the runtime each system reports for its job (Spindle: CLI "Job Runtime"; Flink: ' +
      "JobExecutionResult.getNetRuntime(); Spark: sum of its jobs' durations from a SparkListener); wall s: launch to exit",
  );
  const lines = summary(outcomes);
  for (const line of lines) ctx.log(line);
  ctx.record({
    input: { file: path.relative(ctx.root, input.file), bytes: input.bytes, tokens: input.tokens, distinct: input.distinct },
    repetitions: repeat,
    contestants: outcomes.map((outcome) => summaryFigures(outcome, input.bytes / 1e6, 'mb')),
    summary: lines,
  });
  const failed = outcomes.filter((outcome) => outcome.check !== 'ok');
  if (failed.length > 0) {
    throw new Error(failed.map((outcome) => `${outcome.label}: ${outcome.check}`).join('; '));
  }
}

function prepareInput(ctx, mb) {
  const input = ensureWordsFile(ctx.dataDir, mb);
  const origin = input.generated ? `generated in ${input.seconds.toFixed(1)} s, not timed` : 'reused';
  ctx.log(
    `input: ${path.relative(ctx.root, input.file)} (${(input.bytes / 1e6).toFixed(1)} MB, ` +
      `${input.tokens.toLocaleString('en')} tokens, ${input.distinct.toLocaleString('en')} distinct; ${origin})`,
  );
  // Read it once so that no contestant pays for a cold page cache.
  const fd = fs.openSync(input.file, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  while (fs.readSync(fd, buffer) > 0);
  fs.closeSync(fd);
  return input;
}

/** The contestants in running order; node-loop comes first because it is the reference. */
function contestants(ctx, inputFile, outDir) {
  const file = (label) => path.join(outDir, `${label.replace(/[^\w.=-]+/g, '-')}.txt`);
  const list = [
    {
      label: 'node-loop',
      command: process.execPath,
      args: [path.join(ctx.root, 'scripts/bench/baselines/wordcount-node.mjs'), inputFile, file('node-loop')],
      output: file('node-loop'),
      outputFiles: () => [file('node-loop')],
      versus: SPINDLE_BATCH,
    },
    ...awkContestants(ctx, inputFile, file),
  ];
  const dir = (label) => path.join(outDir, label.replace(/[^\w.=-]+/g, '-'));
  const spindle = (mode, parallelism) => {
    const label = `spindle ${mode} p=${parallelism}`;
    const out = dir(label);
    return directoryContestant(label, out, mode, {
      command: process.execPath,
      args: [
        'packages/cli/bin/spindle.js',
        'run',
        'examples/word-count.ts',
        '-p',
        String(parallelism),
        `-Dexecution.runtime-mode=${mode}`,
        '--input',
        inputFile,
        '--output',
        out,
      ],
    });
  };
  list.push(spindle('BATCH', 1), spindle('BATCH', PARALLELISM));
  list.push(...flinkContestants(ctx, 'BATCH', inputFile, dir));
  list.push(...sparkContestants(ctx, inputFile, dir));
  list.push(spindle('STREAMING', PARALLELISM));
  list.push(...flinkContestants(ctx, 'STREAMING', inputFile, dir));
  return list;
}

function directoryContestant(label, out, mode, { command, args, display }, extra = {}) {
  return {
    label,
    mode,
    updates: mode === 'STREAMING',
    versus: mode === 'STREAMING' ? SPINDLE_STREAMING : SPINDLE_BATCH,
    command,
    args,
    display,
    output: out,
    outputFiles: () => partFiles(out),
    ...extra,
  };
}

function flinkContestants(ctx, mode, inputFile, dir) {
  const flink = ctx.peer('flink');
  if (flink.skipped) return [];
  const label = `flink ${flink.version} ${mode} p=${PARALLELISM}`;
  const out = dir(label);
  const command = javaCommand(flink, 'dev.spindle.bench.flink.WordCount', [
    '--input',
    inputFile,
    '--output',
    out,
    '--mode',
    mode,
    '--parallelism',
    String(PARALLELISM),
  ]);
  return [directoryContestant(label, out, mode, command, { peer: 'flink' })];
}

function sparkContestants(ctx, inputFile, dir) {
  const spark = ctx.peer('spark');
  if (spark.skipped) return [];
  const master = `local[${PARALLELISM}]`;
  const label = `spark ${spark.version} ${master}`;
  const out = dir(label);
  const command = javaCommand(spark, 'dev.spindle.bench.spark.WordCount', ['--input', inputFile, '--output', out, '--master', master]);
  // Spark picks the machine's external address unless told otherwise; stay on loopback.
  const env = { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' };
  return [directoryContestant(label, out, 'BATCH', command, { peer: 'spark', env })];
}

/** mawk, plus the `awk` on PATH when that is a different program (gawk, busybox, ...). */
function awkContestants(ctx, inputFile, file) {
  const env = { ...process.env, LC_ALL: 'C' };
  const awk = (label, command) => ({
    label,
    command,
    args: [AWK_PROGRAM, inputFile],
    env,
    stdoutFile: file(label),
    output: file(label),
    outputFiles: () => [file(label)],
    versus: SPINDLE_BATCH,
  });
  const list = [];
  const mawk = fs.existsSync(MAWK) ? fs.realpathSync(MAWK) : null;
  if (mawk) list.push(awk('mawk', MAWK));
  else ctx.log(`note: ${MAWK} not found, mawk skipped (Debian package mawk)`);

  const other = findOnPath('awk');
  if (!other) ctx.log('note: no awk on PATH, awk skipped');
  else if (fs.realpathSync(other) === mawk) ctx.log(`note: ${other} is mawk, not run twice`);
  else list.push(awk(awkLabel(fs.realpathSync(other)), other));
  return list;
}

function awkLabel(resolved) {
  const program = path.basename(resolved);
  return program.includes('awk') ? program : `awk (${program})`;
}

async function runContestant(ctx, contestant, { repeat, timeoutSec }) {
  const { label, command, args, env, stdoutFile } = contestant;
  ctx.log(`running ${label}: ${contestant.display ?? shellQuote([command, ...args])}`);
  const runs = await repeatRuns(repeat, () => {
    fs.rmSync(contestant.output, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(contestant.output), { recursive: true });
    return runTimed(command, args, { cwd: ctx.root, env, stdoutFile, timeoutSec });
  });
  if (runs.run.strays) ctx.log(`note: ${label} left processes running after it exited; they were killed`);
  if (!runs.ok) reportFailure(ctx, label, runs.run);
  return { ...contestant, ...runs };
}

function reportFailure(ctx, label, run) {
  const tail = run.stderrTail || run.stdoutTail;
  ctx.log(`${label} FAILED (${run.failure})${tail ? `; ${run.stderrTail ? 'stderr' : 'stdout'} tail:` : ''}`);
  for (const line of tail ? tail.split('\n') : []) ctx.log(`  | ${line}`);
}

/**
 * Sets `check` on every outcome. node-loop is checked against the token
 * counts the generator recorded, everyone else against node-loop's output.
 */
function checkOutcomes(outcomes, input) {
  const [reference, ...others] = outcomes;
  reference.check = checkReference(reference, input);
  const expected = reference.check === 'ok' ? readWordCounts(reference.outputFiles()) : null;
  for (const outcome of others) outcome.check = checkAgainst(outcome, expected, input);
}

function checkReference(outcome, input) {
  if (!outcome.ok) return `failed: ${outcome.run.failure}`;
  const counts = readWordCounts(outcome.outputFiles());
  if (counts.problem) return counts.problem;
  if (counts.total !== input.tokens) return `total ${counts.total}, generated ${input.tokens}`;
  if (counts.counts.size !== input.distinct) {
    return `${counts.counts.size} distinct words, generated ${input.distinct}`;
  }
  return 'ok';
}

function checkAgainst(outcome, expected, input) {
  if (!outcome.ok) return `failed: ${outcome.run.failure}`;
  const files = outcome.outputFiles();
  if (files.length === 0) return `no output in ${outcome.output}`;
  const actual = outcome.updates ? readWordCountUpdates(files) : readWordCounts(files);
  if (actual.problem) return actual.problem;
  if (outcome.updates && actual.lines !== input.tokens) return `${actual.lines} updates, expected one per token (${input.tokens})`;
  if (!expected) return 'not compared: no reference (node-loop failed its check)';
  return compareWordCounts(expected, actual);
}

function tableRow(outcome, outcomes, bytes) {
  const mb = bytes / 1e6;
  const good = outcome.ok && outcome.check === 'ok';
  const versus = outcome.versus && outcome.label !== outcome.versus ? outcomes.find((o) => o.label === outcome.versus) : null;
  const mawk = outcomes.find((other) => other.label === 'mawk');
  return {
    contestant: outcome.label,
    runs: outcome.repetitions,
    'wall s': good ? spreadCell(outcome.wall) : null,
    'job s': good ? spreadCell(outcome.job) : null,
    'MB/s wall': good ? (mb / outcome.wall.median).toFixed(1) : null,
    'MB/s job': good && outcome.job ? (mb / outcome.job.median).toFixed(1) : null,
    'MB/s per core': good && outcome.cpu ? (mb / outcome.cpu.median).toFixed(1) : null,
    'max RSS MB': good && outcome.rss ? outcome.rss.median.toFixed(0) : null,
    'spindle x wall': versus ? ratio(versus, outcome, 'wall') : null,
    'spindle x job': versus ? ratio(versus, outcome, 'job') : null,
    'vs mawk': good && mawk ? ratio(outcome, mawk, 'wall') : null,
    check: outcome.check,
  };
}

function summary(outcomes) {
  const find = (label) => outcomes.find((outcome) => outcome.label === label);
  const lines = [];
  const spindle = find(SPINDLE_BATCH);
  const mawk = find('mawk');
  const mawkRatio = ratio(spindle, mawk, 'wall');
  lines.push(
    `wordcount: ${SPINDLE_BATCH} vs mawk: ${mawkRatio ?? 'no figure'} throughput (target >= ${TARGET_VS_MAWK}x)` +
      `${mawkRatio && parseFloat(mawkRatio) < TARGET_VS_MAWK ? ' - below target' : ''}`,
  );
  for (const peer of outcomes.filter((outcome) => outcome.peer)) {
    const base = find(peer.versus);
    const wall = ratio(base, peer, 'wall');
    const job = ratio(base, peer, 'job');
    const target = peer.peer === 'flink' && peer.mode === 'BATCH' ? ` (target >= ${TARGET_VS_FLINK}x both)` : '';
    const below = target && [wall, job].some((r) => r === null || parseFloat(r) < TARGET_VS_FLINK) ? ' - below target' : '';
    lines.push(
      `wordcount: ${peer.versus} vs ${peer.label}: ${wall ?? 'no figure'} throughput with start-up, ` +
        `${job ?? 'no figure'} without${target}${below}`,
    );
  }
  return lines;
}
