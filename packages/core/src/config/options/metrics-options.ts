import { booleanOption, stringOption } from '../config-option.js';

/**
 * The Prometheus endpoints: `/metrics` on the JobManager's REST port and on each TaskManager
 * (Flink's PrometheusReporter, `metrics.reporter.prom.*`).
 */
export const MetricsOptions = {
  REPORTERS: stringOption({
    key: 'metrics.reporters',
    description:
      "Names of the reporters to start (Flink's option), comma-separated. Unset: Spindle's built-in Prometheus reporter 'prom' runs on every TaskManager. Set: it runs only when the list names 'prom' (e.g. 'none' turns the TaskManagers' endpoints off). The JobManager's /metrics on the REST port is always served.",
  }),
  PROMETHEUS_PORT: stringOption({
    key: 'metrics.reporter.prom.port',
    default: '9249-9260',
    description:
      "Port of a TaskManager's Prometheus endpoint: a port, 0 for a free one, or a list/range ('9250-9260') of which the first free is taken, so that several TaskManagers can share a host. A TaskManager that finds none free logs a warning and serves no endpoint.",
  }),
  PROMETHEUS_PREFIX: stringOption({
    key: 'metrics.reporter.prom.prefix',
    default: 'spindle',
    description: "First component of every Prometheus metric name (where Flink writes 'flink'): spindle_taskmanager_job_task_numRecordsIn.",
  }),
  PROMETHEUS_FILTER_LABEL_VALUES: booleanOption({
    key: 'metrics.reporter.prom.filterLabelValueCharacters',
    default: true,
    description: "Replace characters other than [a-zA-Z0-9:_] in label values by '_', as Flink's reporter does by default.",
  }),
} as const;

/** Whether the built-in Prometheus reporter (`prom`) runs: `metrics.reporters` unset, or naming it. */
export function prometheusReporterEnabled(reporters: string | undefined): boolean {
  if (reporters === undefined) return true;
  return reporters
    .split(',')
    .map((r) => r.trim())
    .includes('prom');
}
