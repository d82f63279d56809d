/**
 * Figures shared by the benchmarks' tables and the results file. An outcome is a contestant with
 * the spreads of repeatRuns (`wall`, `job`, `cpu`, `rss`: { median, min, max } in seconds or
 * MB) and a `check` that is 'ok' when its output was right.
 */

/** `median (min-max)` with two decimals, or null. */
export function spreadCell(spread) {
  if (!spread) return null;
  const f = (value) => value.toFixed(2);
  return spread.min === spread.max ? f(spread.median) : `${f(spread.median)} (${f(spread.min)}-${f(spread.max)})`;
}

function usable(outcome, key) {
  return Boolean(outcome && outcome.ok && outcome.check === 'ok' && outcome[key] && outcome[key].median > 0);
}

/**
 * How many times `subject`'s throughput is `base`'s, by the median of `key` ('wall' or 'job'),
 * as `1.23x`; both did the same work, so it is base time / subject time. Null when either
 * failed, was wrong or has no such figure.
 */
export function ratio(subject, base, key) {
  if (!usable(subject, key) || !usable(base, key)) return null;
  return `${(base[key].median / subject[key].median).toFixed(2)}x`;
}

/** The machine-readable figures of one outcome; `amount` units of work (MB, records) per run. */
export function summaryFigures(outcome, amount, unit) {
  const good = outcome.ok && outcome.check === 'ok';
  const per = (spread) => (good && spread ? amount / spread.median : null);
  return {
    label: outcome.label,
    peer: outcome.peer ?? null,
    mode: outcome.mode ?? null,
    command: [outcome.command, ...(outcome.args ?? [])].join(' '),
    repetitions: outcome.repetitions,
    check: outcome.check,
    wallSec: outcome.wall,
    jobSec: outcome.job,
    cpuSec: outcome.cpu,
    maxRssMb: outcome.rss,
    [`${unit}PerSecWall`]: per(outcome.wall),
    [`${unit}PerSecJob`]: per(outcome.job),
    [`${unit}PerCpuSec`]: per(outcome.cpu),
  };
}
