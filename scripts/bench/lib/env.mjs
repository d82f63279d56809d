/**
 * Numeric settings read from the environment. A value that is set but not a
 * positive number is an error rather than a silent fallback, so a typo in
 * `SPINDLE_BENCH_MB=1OO` does not quietly benchmark the default size.
 */
export function positiveNumberFromEnv(key, fallback, { integer = false } = {}) {
  const raw = process.env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  const valid = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!valid) {
    const kind = integer ? 'a positive integer' : 'a positive number';
    throw new Error(`${key} must be ${kind}, got "${raw}"`);
  }
  return value;
}
