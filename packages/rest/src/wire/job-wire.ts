import { watermarkToLongString } from '@spindle/runtime';
import { EXECUTION_STATES, JOB_STATUSES, applicationStatusOf, type ExecutionState, type SerializedFailure } from '@spindle/protocol';
import type {
  ExceptionHistory,
  ExceptionInfo,
  ExecutionStateCounts,
  JobDetails,
  JobPlan,
  JobResult,
  JobSummary,
  JobVertexDetails,
  RootExceptionInfo,
  VertexIOMetrics,
} from '../cluster-view.js';
import { base64Json, hexIdOf } from './encoding.js';

/**
 * Spindle's view of jobs in Flink's wire format: the JSON field names, casing and value forms
 * that Flink's REST handlers send (not always what its OpenAPI spec says).
 */

/** Flink: end or now, minus start; -1 when the start is unknown. */
export function durationOf(startTime: number, endTime: number, now: number): number {
  if (startTime < 0) return -1;
  return Math.max(0, (endTime >= 0 ? endTime : now) - startTime);
}

/** `tasks` of `/jobs/overview`: the total and one lower-case key per ExecutionState. */
function lowerCaseTaskCounts(counts: ExecutionStateCounts): Record<string, number> {
  const out: Record<string, number> = { total: EXECUTION_STATES.reduce((n, s) => n + counts[s], 0) };
  for (const s of EXECUTION_STATES) out[s.toLowerCase()] = counts[s];
  return out;
}

export function jobOverviewEntry(job: JobSummary, now: number): Record<string, unknown> {
  return {
    jid: job.jobId,
    name: job.name,
    'start-time': job.startTime,
    'end-time': job.endTime,
    duration: durationOf(job.startTime, job.endTime, now),
    state: job.status,
    'last-modification': job.lastModification,
    tasks: lowerCaseTaskCounts(job.tasksPerState),
  };
}

export function jobDetailsBody(job: JobDetails, now: number): Record<string, unknown> {
  const statusCounts = Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0])) as Record<ExecutionState, number>;
  for (const v of job.vertices) statusCounts[v.status]++;
  const body: Record<string, unknown> = {
    jid: job.jobId,
    name: job.name,
    isStoppable: job.isStoppable,
    state: job.status,
    'job-type': job.jobType,
    'start-time': job.startTime,
    'end-time': job.endTime,
    duration: durationOf(job.startTime, job.endTime, now),
    maxParallelism: job.maxParallelism,
    now,
    timestamps: Object.fromEntries(JOB_STATUSES.map((s) => [s, job.timestamps[s] ?? 0])),
    vertices: job.vertices.map((v) => vertexBody(v, now)),
    'status-counts': statusCounts,
    plan: planBody(job.plan),
  };
  // Not one of Flink's fields, only present while the job waits; clients of Flink's API ignore it.
  if (job.slotWait) body['spindle-slot-wait'] = { needed: job.slotWait.needed, missing: job.slotWait.missing, free: job.slotWait.free };
  return body;
}

function vertexBody(v: JobVertexDetails, now: number): Record<string, unknown> {
  return {
    id: v.id,
    slotSharingGroupId: hexIdOf(v.slotSharingGroup),
    name: v.name,
    maxParallelism: v.maxParallelism,
    parallelism: v.parallelism,
    status: v.status,
    'start-time': v.startTime,
    'end-time': v.endTime,
    duration: durationOf(v.startTime, v.endTime, now),
    tasks: Object.fromEntries(EXECUTION_STATES.map((s) => [s, v.tasksPerState[s]])),
    metrics: ioMetricsBody(v.metrics),
  };
}

/** Watermarks as Flink's metrics show them: decimal Longs, the sentinels as Long.MIN_VALUE/MAX_VALUE. */
export function ioMetricsBody(m: VertexIOMetrics): Record<string, number | boolean | string> {
  return {
    'read-bytes': Math.round(m.bytesIn),
    'read-bytes-complete': m.complete,
    'write-bytes': Math.round(m.bytesOut),
    'write-bytes-complete': m.complete,
    'read-records': Math.round(m.recordsIn),
    'read-records-complete': m.complete,
    'write-records': Math.round(m.recordsOut),
    'write-records-complete': m.complete,
    'accumulated-backpressured-time': Math.round(m.accumulatedBackPressuredTimeMs),
    'accumulated-idle-time': Math.round(m.accumulatedIdleTimeMs),
    'accumulated-busy-time': Math.round(m.accumulatedBusyTimeMs),
    currentInputWatermark: watermarkToLongString(m.currentInputWatermark),
    currentOutputWatermark: watermarkToLongString(m.currentOutputWatermark),
  };
}

/** Flink HTML-escapes plan descriptions for the web UI. */
function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '<br/>')
    .replace(/\\/g, '&#92;');
}

export function planBody(plan: JobPlan): Record<string, unknown> {
  return {
    jid: plan.jobId,
    name: plan.name,
    type: plan.type,
    nodes: plan.nodes.map((n) => ({
      id: n.id,
      parallelism: n.parallelism,
      operator: n.operator,
      operator_strategy: n.operatorStrategy,
      description: escapeHtml(n.description),
      inputs: n.inputs.map((i) => ({ num: i.num, id: i.id, ship_strategy: i.shipStrategy, exchange: i.exchange })),
      optimizer_properties: {},
    })),
  };
}

export function executionResultBody(result: JobResult | undefined): Record<string, unknown> {
  if (!result) return { status: { id: 'IN_PROGRESS' } };
  const body: Record<string, unknown> = {
    id: result.jobId,
    'application-status': applicationStatusOf(result.status),
    'accumulator-results': Object.fromEntries(Object.entries(result.accumulators).map(([k, v]) => [k, base64Json(v)])),
    'net-runtime': Math.round(result.netRuntimeMs),
  };
  if (result.failure) body['failure-cause'] = failureCauseBody(result.failure);
  return { status: { id: 'COMPLETED' }, 'job-execution-result': body };
}

/** Flink's SerializedThrowable: class, stack trace, and the serialized error (here JSON, base64). */
function failureCauseBody(failure: SerializedFailure): Record<string, string> {
  return {
    class: failure.name,
    'stack-trace': failure.stack ?? `${failure.name}: ${failure.message}`,
    'serialized-throwable': base64Json(failure),
  };
}

const MAX_LEGACY_EXCEPTIONS = 20;

/** `/jobs/:jobid/exceptions`: the history plus Flink's deprecated flat fields. */
export function exceptionsBody(history: ExceptionHistory): Record<string, unknown> {
  const newest = history.entries[0];
  const taskFailures = history.entries.flatMap((root) => [root, ...root.concurrentExceptions]).filter((e) => e.taskName !== null);
  return {
    'root-exception': newest?.stacktrace ?? null,
    timestamp: newest?.timestamp ?? null,
    'all-exceptions': taskFailures.slice(0, MAX_LEGACY_EXCEPTIONS).map((e) => ({
      exception: e.stacktrace,
      task: e.taskName,
      location: e.location ?? '(unassigned)',
      timestamp: e.timestamp,
    })),
    truncated: taskFailures.length > MAX_LEGACY_EXCEPTIONS,
    exceptionHistory: { entries: history.entries.map(rootExceptionBody), truncated: history.truncated },
  };
}

function exceptionBody(e: ExceptionInfo): Record<string, unknown> {
  const body: Record<string, unknown> = { exceptionName: e.exceptionName, stacktrace: e.stacktrace, timestamp: e.timestamp };
  // Flink leaves these out when they are null.
  if (e.taskName !== null) body.taskName = e.taskName;
  if (e.location !== null) {
    body.location = e.location;
    body.endpoint = e.location;
  }
  if (e.taskManagerId !== null) body.taskManagerId = e.taskManagerId;
  body.failureLabels = e.failureLabels;
  return body;
}

function rootExceptionBody(root: RootExceptionInfo): Record<string, unknown> {
  return { ...exceptionBody(root), concurrentExceptions: root.concurrentExceptions.map(exceptionBody) };
}
