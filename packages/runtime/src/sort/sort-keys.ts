/** Orders keys encoded by the key codec: equal keys are adjacent, which is all grouping needs. */
export function compareEncodedKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const TYPE_RANK: Record<string, number> = { undefined: 0, object: 1, boolean: 2, number: 3, bigint: 3, string: 4 };

/**
 * The natural order of sort fields (sortPartition): numbers and bigints by value, strings by
 * UTF-16 code units, booleans false first, Dates by time, arrays element by element; null and
 * undefined before everything else. Values of different types order by type.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === null || a === undefined) return b === null || b === undefined ? (a === b ? 0 : a === undefined ? -1 : 1) : -1;
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'string' || typeof a === 'boolean') {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function rank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (v instanceof Date) return 5;
  if (Array.isArray(v)) return 6;
  return TYPE_RANK[typeof v] ?? 7;
}
