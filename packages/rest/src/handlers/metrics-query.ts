import { numericValue, type MetricValues } from '@spindle/runtime';
import { badRequest } from '../server/rest-error.js';
import type { RestRequest } from '../server/router.js';

/**
 * Flink's conventions for metric endpoints: bare JSON arrays; without `get`, the available
 * metric ids (`[{"id": ...}]`); with `get=a,b`, those that exist with their values as strings
 * (`[{"id":"a","value":"34"}]`); aggregating endpoints answer `[{"id","min","max","avg","sum"}]`
 * over their components, limited by `agg=min,max,...`.
 */

const AGGREGATIONS = ['min', 'max', 'avg', 'sum'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

/** The metric ids of `get` (comma-separated, possibly repeated), or undefined when absent. */
function requestedIds(request: RestRequest): string[] | undefined {
  const raw = request.query.getAll('get');
  if (raw.length === 0) return undefined;
  return raw
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `[{"id"}]` of every metric, or `[{"id","value"}]` of those asked for. */
export function metricsResponse(values: MetricValues, request: RestRequest): Array<{ id: string; value?: string }> {
  const ids = requestedIds(request);
  if (ids === undefined)
    return Object.keys(values)
      .sort()
      .map((id) => ({ id }));
  return ids.filter((id) => Object.hasOwn(values, id)).map((id) => ({ id, value: String(values[id]) }));
}

function aggregations(request: RestRequest): Aggregation[] {
  const raw = request.query
    .getAll('agg')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (raw.length === 0) return [...AGGREGATIONS];
  for (const a of raw) {
    if (!(AGGREGATIONS as readonly string[]).includes(a)) {
      throw badRequest(`Bad request, could not parse parameters: agg '${a}' is not one of min, max, avg, sum.`);
    }
  }
  return AGGREGATIONS.filter((a) => raw.includes(a));
}

/** Aggregates a metric over components (subtasks, TaskManagers, jobs) that have it as a number. */
export function aggregatedResponse(components: readonly MetricValues[], request: RestRequest): Array<Record<string, unknown>> {
  const modes = aggregations(request);
  const ids = requestedIds(request);
  if (ids === undefined) {
    const all = new Set<string>();
    for (const c of components) for (const id of Object.keys(c)) all.add(id);
    return [...all].sort().map((id) => ({ id }));
  }
  const out: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const numbers = components
      .filter((c) => Object.hasOwn(c, id))
      .map((c) => numericValue(c[id]!))
      .filter((n) => !Number.isNaN(n));
    if (numbers.length === 0) continue;
    const sum = numbers.reduce((a, b) => a + b, 0);
    const stats: Record<Aggregation, number> = { min: Math.min(...numbers), max: Math.max(...numbers), avg: sum / numbers.length, sum };
    out.push({ id, ...Object.fromEntries(modes.map((m) => [m, stats[m]])) });
  }
  return out;
}

/** `subtasks=1,3-5`: the chosen subtask indexes, or undefined for all. */
export function subtaskSelection(request: RestRequest): Set<number> | undefined {
  const raw = request.query
    .getAll('subtasks')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (raw.length === 0) return undefined;
  const chosen = new Set<number>();
  for (const part of raw) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || to < from || to - from > 100_000) {
      throw badRequest(`Bad request, could not parse parameters: subtasks '${part}' is not an index or a range like 3-5.`);
    }
    for (let i = from; i <= to; i++) chosen.add(i);
  }
  return chosen;
}

/** A comma-separated list filter (`taskmanagers=`, `jobs=`), or undefined when absent. */
export function listSelection(request: RestRequest, name: string): string[] | undefined {
  const raw = request.query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return raw.length === 0 ? undefined : raw;
}
