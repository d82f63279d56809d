/**
 * Keyed ValueState updates driven directly on the heap keyed state backend, in a Node process of
 * its own (`baselines/keyed-state-loop.mjs`): SPINDLE_BENCH_STATE_UPDATES updates (default 1
 * million) spread over SPINDLE_BENCH_STATE_KEYS string keys (default 10,000), each making the key
 * current and incrementing its count. A plain Map running the same loop is the floor. No peer: it
 * measures the backend alone, not a job.
 */
import path from 'node:path';
import { positiveNumberFromEnv } from '../lib/env.mjs';
import { runTimed } from '../lib/measure.mjs';

export const name = 'keyed-state';
export const description = 'keyed ValueState update loop on the heap backend (updates/s per core), no peers';

const CONTESTANTS = [
  { mode: 'native', label: 'plain Map (floor)' },
  { mode: 'value', label: 'spindle ValueState' },
  { mode: 'value-ttl', label: 'spindle ValueState, TTL' },
];

export async function run(ctx) {
  const updates = positiveNumberFromEnv('SPINDLE_BENCH_STATE_UPDATES', 1_000_000, { integer: true });
  const keys = positiveNumberFromEnv('SPINDLE_BENCH_STATE_KEYS', 10_000, { integer: true });
  const repeat = positiveNumberFromEnv('SPINDLE_BENCH_REPEAT', 3, { integer: true });
  const timeoutSec = positiveNumberFromEnv('SPINDLE_BENCH_TIMEOUT', 900);
  ctx.log(`${updates.toLocaleString('en')} updates over ${keys.toLocaleString('en')} string keys; median of ${repeat} run(s)`);
  const script = path.join(ctx.root, 'scripts/bench/baselines/keyed-state-loop.mjs');
  const rows = [];
  const failures = [];
  const recorded = [];
  for (const { mode, label } of CONTESTANTS) {
    const reports = [];
    for (let i = 0; i < repeat; i++) {
      const r = await runTimed(process.execPath, [script, mode, String(updates), String(keys)], { cwd: ctx.root, timeoutSec });
      const report = r.ok ? parseReport(r.stdoutTail) : null;
      if (report === null) {
        failures.push(`${label}: ${r.ok ? 'no result line' : r.failure} ${r.stderrTail ?? ''}`.trim());
        break;
      }
      reports.push(report);
    }
    if (reports.length < repeat) {
      rows.push({ contestant: label, 'loop s': null, 'M updates/s': null, 'M updates/s per core': null, check: 'failed' });
      continue;
    }
    const median = (f) => reports.map(f).sort((a, b) => a - b)[Math.floor((reports.length - 1) / 2)];
    const seconds = median((r) => r.seconds);
    const cpuSeconds = median((r) => r.cpuSeconds);
    rows.push({
      contestant: label,
      'loop s': seconds.toFixed(3),
      'M updates/s': (updates / seconds / 1e6).toFixed(2),
      'M updates/s per core': (updates / cpuSeconds / 1e6).toFixed(2),
      check: 'ok',
    });
    recorded.push({ label, mode, seconds, cpuSeconds, updatesPerSec: updates / seconds, updatesPerCpuSec: updates / cpuSeconds });
  }
  ctx.result(rows);
  ctx.record({ updates, keys, contestants: recorded });
  if (failures.length > 0) throw new Error(failures.join('; '));
}

/** The JSON line the loop prints last: { updates, keys, seconds, cpuSeconds }. */
function parseReport(stdoutTail) {
  try {
    const report = JSON.parse(stdoutTail.trim().split('\n').at(-1) ?? '');
    return Number.isFinite(report.seconds) && report.seconds > 0 && Number.isFinite(report.cpuSeconds) ? report : null;
  } catch {
    return null;
  }
}
