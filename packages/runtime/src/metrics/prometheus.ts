import { numericValue, type MetricValues } from './metric-names.js';

/**
 * One group of metrics in Flink's terms: its logical scope (`['taskmanager', 'job', 'task']`)
 * and its variables (`job_id`, `task_name`, ...), which become Prometheus labels.
 */
export interface MetricGroup {
  scope: readonly string[];
  labels: Readonly<Record<string, string>>;
  values: MetricValues;
}

export interface PrometheusFormatOptions {
  /** First component of every name, where Flink writes `flink`; default 'spindle'. */
  prefix?: string;
  /** Replace characters other than [a-zA-Z0-9:_] in label values by '_' (Flink's default). */
  filterLabelValueCharacters?: boolean;
}

/** The content type of Prometheus' text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Flink's PrometheusReporter: every character other than [a-zA-Z0-9:_] becomes '_'. */
function replaceInvalidChars(s: string): string {
  return s.replace(/[^a-zA-Z0-9:_]/g, '_');
}

/** `spindle_taskmanager_job_task_numRecordsIn`: prefix, logical scope and metric name joined by '_'. */
export function prometheusName(prefix: string, scope: readonly string[], metric: string): string {
  return replaceInvalidChars([prefix, ...scope, metric].join('_'));
}

function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Renders metric groups in Prometheus' text format as Flink's PrometheusReporter names them:
 * every metric is a gauge named `<prefix>_<scope>_<metric>`, with the group's variables as
 * labels, and a HELP line naming the scope. Series of one name are written together.
 */
export function renderPrometheus(groups: readonly MetricGroup[], options: PrometheusFormatOptions = {}): string {
  const prefix = options.prefix ?? 'spindle';
  const filter = options.filterLabelValueCharacters ?? true;
  const families = new Map<string, { scope: string; lines: string[] }>();
  for (const group of groups) {
    const labels = Object.entries(group.labels)
      .map(([k, v]) => `${replaceInvalidChars(k)}="${escapeLabelValue(filter ? replaceInvalidChars(v) : v)}"`)
      .join(',');
    for (const [metric, value] of Object.entries(group.values)) {
      // As Flink's reporter, gauges whose value is not a number (a checkpoint path) are not exported.
      if (typeof value === 'string' && Number.isNaN(Number(value))) continue;
      const name = prometheusName(prefix, group.scope, metric);
      const family = families.get(name) ?? { scope: replaceInvalidChars([prefix, ...group.scope].join('_')), lines: [] };
      family.lines.push(`${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(numericValue(value))}`);
      families.set(name, family);
    }
  }
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${name} (scope: ${family.scope})`, `# TYPE ${name} gauge`, ...family.lines);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
