import { Configuration, CoreOptions } from '@spindle/core';
import { isGloballyTerminal, type JobStatus } from '@spindle/protocol';
import type { ArchivedExecution, ArchivedJob, MetricValues } from '@spindle/runtime';
import type { JobConfig, SubtaskInfo } from '../cluster-view.js';
import { checkpointMetricValues } from './job-master-views.js';

/** The host part of `host:port`. */
function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}

/** The latest attempt of each subtask (a restart adds attempts; the archive keeps the current ones). */
export function subtasks(job: ArchivedJob): SubtaskInfo[] {
  const latest = new Map<string, ArchivedExecution>();
  for (const e of job.executions) {
    const key = `${e.vertexId}#${e.subtaskIndex}`;
    const seen = latest.get(key);
    if (!seen || e.attemptNumber >= seen.attemptNumber) latest.set(key, e);
  }
  return [...latest.values()].map((e) => ({
    vertexId: e.vertexId,
    subtaskIndex: e.subtaskIndex,
    attemptNumber: e.attemptNumber,
    state: e.state,
    timestamps: { ...e.timestamps },
    taskManagerId: e.slot?.resourceId ?? null,
    host: e.slot ? hostOf(e.slot.dataAddress ?? e.slot.resourceId) : null,
    endpoint: e.slot ? (e.slot.dataAddress ?? e.slot.resourceId) : null,
    ...(e.metrics ? { metrics: { ...e.metrics } } : {}),
    ...(e.accumulators ? { accumulators: structuredClone(e.accumulators) } : {}),
  }));
}

export function jobConfig(job: ArchivedJob): JobConfig {
  const config = job.jobGraph.config;
  const parallelism = config[CoreOptions.DEFAULT_PARALLELISM.key];
  return {
    jobId: job.jobId,
    name: job.name,
    runtimeMode: job.jobGraph.runtimeMode,
    parallelism: parallelism === undefined ? -1 : new Configuration(config).get(CoreOptions.DEFAULT_PARALLELISM),
    config: { ...config },
    restartStrategy: job.restartStrategy,
  };
}

/** The statuses whose time Flink's job status metrics report (`runningState`, `runningTime`, `runningTimeTotal`). */
const TIMED_STATUSES: readonly JobStatus[] = ['INITIALIZING', 'CREATED', 'RUNNING', 'RESTARTING', 'FAILING', 'CANCELLING'];

/**
 * The job's JobManager-scope metrics: restarts, from its status timestamps (Flink's availability
 * and job status metrics) uptime, downtime, and per status whether the job is in it, for how long
 * now and for how long in all, and the checkpoint metrics when checkpointing is on.
 */
export function jobMetricValues(job: ArchivedJob, now: number): MetricValues {
  const ts = job.timestamps;
  const status = job.status;
  const terminal = isGloballyTerminal(status);
  const entered = (s: JobStatus) => ts[s];
  const values: MetricValues = {
    numRestarts: job.numRestarts,
    uptime: status === 'RUNNING' ? now - (entered('RUNNING') ?? now) : terminal ? -1 : 0,
    downtime: status === 'FAILING' || status === 'RESTARTING' ? now - (entered(status) ?? now) : terminal ? -1 : 0,
  };
  for (const s of TIMED_STATUSES) {
    const name = s.toLowerCase();
    const since = entered(s);
    const current = status === s && since !== undefined ? now - since : 0;
    values[`${name}State`] = status === s ? 1 : 0;
    values[`${name}Time`] = current;
    values[`${name}TimeTotal`] = since === undefined ? 0 : status === s ? current : timeIn(ts, s, since);
  }
  return { ...values, ...checkpointMetricValues(job) };
}

/** Time from entering `s` until the next status the job entered after it. */
function timeIn(ts: Partial<Record<JobStatus, number>>, s: JobStatus, since: number): number {
  const later = (Object.entries(ts) as Array<[JobStatus, number]>).filter(([k, t]) => k !== s && t >= since).map(([, t]) => t);
  return later.length === 0 ? 0 : Math.min(...later) - since;
}
