/**
 * WordCount over generated text (SPINDLE_BENCH_MB, default 100 MB).
 * Every contestant reads the same file in the same run; node-loop is the
 * reference answer and each other contestant's output must match it exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { medianOfRuns, repeatCount, runTimed } from '../lib/measure.mjs';
import { shellQuote, findOnPath } from '../lib/shell.mjs';
import { ensureWordsFile } from '../lib/text-gen.mjs';
import { compareWordCounts, partFiles, readWordCounts } from '../lib/word-counts.mjs';

export const name = 'wordcount';
export const description = 'WordCount on generated text: spindle (BATCH, p=1 and p=2) vs node-loop and awk';

const TARGET_VS_MAWK = 0.5;
const MAWK = '/usr/bin/mawk';
const AWK_PROGRAM = '{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) print w, c[w] }';
const SPINDLE_PARALLELISMS = [1, 2];

export async function run(ctx) {
  const mb = positiveNumberFromEnv('SPINDLE_BENCH_MB', 100);
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  const input = prepareInput(ctx, mb);
  const repeat = repeatCount(input.bytes);
  ctx.log(`repetitions: ${repeat} per contestant (the run with the median wall time is reported)`);

  const outDir = path.join(ctx.dataDir, 'wordcount-out');
  const outcomes = [];
  for (const contestant of contestants(ctx, input.file, outDir)) {
    outcomes.push(await runContestant(ctx, contestant, { repeat, timeoutSec }));
  }
  checkOutcomes(outcomes, input);

  ctx.result(outcomes.map((outcome) => tableRow(outcome, outcomes, input.bytes)));
  ctx.log(summary(outcomes));
  const failed = outcomes.filter((outcome) => outcome.check !== 'ok');
  if (failed.length > 0) {
    throw new Error(failed.map((outcome) => `${outcome.label}: ${outcome.check}`).join('; '));
  }
}

function prepareInput(ctx, mb) {
  const input = ensureWordsFile(ctx.dataDir, mb);
  const origin = input.generated ? `generated in ${input.seconds.toFixed(1)} s` : 'reused';
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
  const file = (label) => path.join(outDir, `${label}.txt`);
  const list = [
    {
      label: 'node-loop',
      command: process.execPath,
      args: [path.join(ctx.root, 'scripts/bench/baselines/wordcount-node.mjs'), inputFile, file('node-loop')],
      output: file('node-loop'),
      outputFiles: () => [file('node-loop')],
    },
    ...awkContestants(ctx, inputFile, file),
  ];
  for (const parallelism of SPINDLE_PARALLELISMS) {
    const dir = path.join(outDir, `spindle-p${parallelism}`);
    list.push({
      label: `spindle p=${parallelism}`,
      command: process.execPath,
      args: ['packages/cli/bin/spindle.js', 'run', 'examples/word-count.ts', '-p', String(parallelism),
        '-Dexecution.runtime-mode=BATCH', '--input', inputFile, '--output', dir],
      output: dir,
      outputFiles: () => partFiles(dir),
    });
  }
  return list;
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
  ctx.log(`running ${label}: ${shellQuote([command, ...args])}`);
  const run = await medianOfRuns(repeat, () => {
    fs.rmSync(contestant.output, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(contestant.output), { recursive: true });
    return runTimed(command, args, { cwd: ctx.root, env, stdoutFile, timeoutSec });
  });
  if (run.strays) ctx.log(`note: ${label} left processes running after it exited; they were killed`);
  if (!run.ok) reportFailure(ctx, label, run);
  return { ...contestant, run };
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
  for (const outcome of others) outcome.check = checkAgainst(outcome, expected);
}

function checkReference(outcome, input) {
  if (!outcome.run.ok) return `failed: ${outcome.run.failure}`;
  const counts = readWordCounts(outcome.outputFiles());
  if (counts.problem) return counts.problem;
  if (counts.total !== input.tokens) return `total ${counts.total}, generated ${input.tokens}`;
  if (counts.counts.size !== input.distinct) {
    return `${counts.counts.size} distinct words, generated ${input.distinct}`;
  }
  return 'ok';
}

function checkAgainst(outcome, expected) {
  if (!outcome.run.ok) return `failed: ${outcome.run.failure}`;
  const files = outcome.outputFiles();
  if (files.length === 0) return `no output in ${outcome.output}`;
  const actual = readWordCounts(files);
  if (actual.problem) return actual.problem;
  if (!expected) return 'not compared: no reference (node-loop failed its check)';
  return compareWordCounts(expected, actual);
}

function tableRow(outcome, outcomes, bytes) {
  const { run } = outcome;
  const completed = run.ok;
  const mbps = throughput(outcome, bytes);
  const ratio = (baselineLabel) => {
    const baseline = throughput(outcomes.find((other) => other.label === baselineLabel), bytes);
    return mbps !== null && baseline !== null ? `${(mbps / baseline).toFixed(2)}x` : null;
  };
  return {
    contestant: outcome.label,
    'wall s': completed ? run.wallSec.toFixed(2) : null,
    'cpu s': completed && run.cpuSec !== null ? run.cpuSec.toFixed(2) : null,
    'MB/s': mbps?.toFixed(1),
    'MB/s per core': mbps !== null && run.cpuSec ? (bytes / 1e6 / run.cpuSec).toFixed(1) : null,
    'vs mawk': ratio('mawk'),
    'vs node-loop': ratio('node-loop'),
    'max RSS MB': completed && run.maxRssMb !== null ? run.maxRssMb.toFixed(0) : null,
    check: outcome.check,
  };
}

/** Input MB per wall second, or null when the outcome is missing, failed or wrong. */
function throughput(outcome, bytes) {
  if (!outcome || !outcome.run.ok || outcome.check !== 'ok') return null;
  return bytes / 1e6 / outcome.run.wallSec;
}

function summary(outcomes) {
  const subject = `spindle p=${SPINDLE_PARALLELISMS.at(-1)}`;
  const target = `target >= ${TARGET_VS_MAWK}x`;
  const spindle = outcomes.find((outcome) => outcome.label === subject);
  const mawk = outcomes.find((outcome) => outcome.label === 'mawk');
  if (!spindle.run.ok) return `wordcount: ${subject} did not complete (${spindle.run.failure}); ${target} mawk throughput`;
  if (spindle.check !== 'ok') return `wordcount: ${subject} produced a wrong result; ${target} mawk throughput`;
  if (!mawk || mawk.check !== 'ok') return `wordcount: no mawk throughput to compare ${subject} with (${target})`;
  const ratio = spindle.run.wallSec > 0 ? mawk.run.wallSec / spindle.run.wallSec : Infinity;
  const verdict = ratio >= TARGET_VS_MAWK ? '' : ' - below target';
  return `wordcount: ${subject} reaches ${ratio.toFixed(2)}x mawk throughput (${target})${verdict}`;
}
