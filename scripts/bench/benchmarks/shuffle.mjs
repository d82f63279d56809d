/**
 * Shuffle between two Node processes on 127.0.0.1 (SPINDLE_BENCH_RECORDS small records,
 * default 10 million): plain framed TCP (`baselines/shuffle-tcp.mjs`, with records coded through
 * Buffer's methods and by hand) against Spindle's TCP data plane (`baselines/shuffle-spindle.mjs`:
 * ResultPartition + ShuffleServer in one process, ShuffleClient + InputGate in the other) on a
 * forward edge and on a keyed exchange. Every receiver decodes every record and checks count,
 * order and checksums; each prints the seconds from its first connection or request to the end
 * of the stream, which the rates are computed from. The targets apply to the keyed exchange.
 */
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { runTimed } from '../lib/measure.mjs';
import { shellQuote } from '../lib/shell.mjs';

export const name = 'shuffle';
export const description = 'keyed exchange between two processes: spindle TCP shuffle vs plain framed TCP';

const TARGET_VS_TCP = 0.5;
const TARGET_RECORDS_PER_SEC = 1e6;
const KEYED_CHANNELS = 2;

export async function run(ctx) {
  const records = positiveNumberFromEnv('SPINDLE_BENCH_RECORDS', 10_000_000, { integer: true });
  const repeat = positiveNumberFromEnv('SPINDLE_BENCH_REPEAT', 3, { integer: true });
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  ctx.log(
    `records: ${records.toLocaleString('en')} of the form [i, 'k' + (i % 1000)]; ` +
      `${repeat} run(s) per contestant, the median transfer time is reported`,
  );

  const outcomes = [];
  for (const contestant of contestants(ctx, records)) {
    outcomes.push(await runContestant(ctx, contestant, { records, repeat, timeoutSec }));
  }
  const plain = outcomes.filter((outcome) => outcome.plain);
  ctx.result(outcomes.map((outcome) => tableRow(outcome, plain)));
  ctx.log(summary(outcomes.at(-1), plain));
  const failed = outcomes.filter((outcome) => outcome.check !== 'ok');
  if (failed.length > 0) throw new Error(failed.map((outcome) => `${outcome.label}: ${outcome.check}`).join('; '));
}

function contestants(ctx, records) {
  const script = (file) => path.join(ctx.root, 'scripts/bench/baselines', file);
  const plain = (codec) => ({
    label: `tcp ${codec}`,
    plain: true,
    args: [script('shuffle-tcp.mjs'), 'receive', String(records), codec],
  });
  const spindle = (label, channels, partitioner) => ({
    label,
    args: [script('shuffle-spindle.mjs'), 'consume', String(records), String(channels), partitioner],
  });
  return [
    plain('buffer-api'),
    plain('hand-coded'),
    spindle('spindle forward', 1, 'forward'),
    spindle(`spindle keyBy (${KEYED_CHANNELS} ch)`, KEYED_CHANNELS, 'hash'),
  ];
}

/** Runs a contestant `repeat` times; keeps the run with the median transfer time. */
async function runContestant(ctx, contestant, { records, repeat, timeoutSec }) {
  const { label, args, plain } = contestant;
  ctx.log(`running ${label}: ${shellQuote([process.execPath, ...args])}`);
  const env = { ...process.env, SPINDLE_LOG_LEVEL: process.env.SPINDLE_LOG_LEVEL ?? 'warn' };
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    const run = await runTimed(process.execPath, args, { cwd: ctx.root, env, timeoutSec });
    if (run.strays) ctx.log(`note: ${label} left processes running after it exited; they were killed`);
    const report = run.ok ? parseReport(run.stdoutTail) : null;
    const check = checkRun(run, report, records);
    if (check !== 'ok') {
      reportFailure(ctx, label, run, check);
      return { label, plain, run, report, check };
    }
    runs.push({ run, report });
  }
  runs.sort((a, b) => a.report.seconds - b.report.seconds);
  const median = runs[Math.floor((runs.length - 1) / 2)];
  return { label, plain, ...median, check: 'ok' };
}

/** The JSON line a contestant prints last: { records, bytes, seconds }. */
function parseReport(stdoutTail) {
  const line = stdoutTail.trim().split('\n').at(-1) ?? '';
  try {
    const report = JSON.parse(line);
    const numbers = ['records', 'bytes', 'seconds'].every((key) => Number.isFinite(report[key]));
    return numbers && report.seconds > 0 ? report : null;
  } catch {
    return null;
  }
}

function checkRun(run, report, records) {
  if (!run.ok) return `failed: ${run.failure}`;
  if (!report) return 'no result line on stdout';
  if (report.records !== records) return `received ${report.records} records, sent ${records}`;
  return 'ok';
}

function reportFailure(ctx, label, run, check) {
  const tail = run.stderrTail || run.stdoutTail;
  ctx.log(`${label} FAILED (${check})${tail ? `; ${run.stderrTail ? 'stderr' : 'stdout'} tail:` : ''}`);
  for (const line of tail ? tail.split('\n') : []) ctx.log(`  | ${line}`);
}

function recordsPerSec(outcome) {
  return outcome && outcome.check === 'ok' ? outcome.report.records / outcome.report.seconds : null;
}

function ratio(rate, outcome) {
  const base = recordsPerSec(outcome);
  return rate !== null && base !== null ? rate / base : null;
}

function tableRow(outcome, plain) {
  const { run, report } = outcome;
  const ok = outcome.check === 'ok';
  const rate = recordsPerSec(outcome);
  const row = {
    contestant: outcome.label,
    'transfer s': ok ? report.seconds.toFixed(2) : null,
    'M records/s': rate !== null ? (rate / 1e6).toFixed(2) : null,
    'MB/s': ok ? (report.bytes / 1e6 / report.seconds).toFixed(1) : null,
    'bytes/record': ok ? (report.bytes / report.records).toFixed(1) : null,
  };
  for (const base of plain) row[`vs ${base.label}`] = ratio(rate, base)?.toFixed(2).concat('x') ?? null;
  return {
    ...row,
    'wall s': ok ? run.wallSec.toFixed(2) : null,
    'cpu s': ok && run.cpuSec !== null ? run.cpuSec.toFixed(2) : null,
    'max RSS MB': ok && run.maxRssMb !== null ? run.maxRssMb.toFixed(0) : null,
    check: outcome.check,
  };
}

/** The keyed exchange against each plain TCP contestant: the ratio target is checked against every one. */
function summary(keyed, plain) {
  const targets = `targets >= ${TARGET_VS_TCP}x plain TCP, >= ${TARGET_RECORDS_PER_SEC / 1e6} M records/s`;
  const rate = recordsPerSec(keyed);
  if (rate === null) return `shuffle: ${keyed.label} did not complete (${keyed.check}); ${targets}`;
  const parts = [`${(rate / 1e6).toFixed(2)} M records/s${rate < TARGET_RECORDS_PER_SEC ? ' (below target)' : ''}`];
  for (const base of plain) {
    const r = ratio(rate, base);
    if (r === null) parts.push(`no rate for ${base.label}`);
    else parts.push(`${r.toFixed(2)}x ${base.label}${r < TARGET_VS_TCP ? ' (below target)' : ''}`);
  }
  return `shuffle: ${keyed.label} reaches ${parts.join(', ')}; ${targets}`;
}
