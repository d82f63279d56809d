import { isGloballyTerminal, type JobGraphSpec, type JobStatus } from '@spindle/protocol';
import type { ArchivedJob, ExceptionEntry, MetricValues } from '@spindle/runtime';
import type {
  ExceptionHistory,
  ExceptionInfo,
  JobDetails,
  JobPlan,
  JobResult,
  JobSummary,
  JobVertexDetails,
  RootExceptionInfo,
} from '../cluster-view.js';
import { aggregateState, countStates, lastModification, sumMetrics, vertexTimes } from './execution-aggregates.js';

/** What `/jobs/overview` shows of a running or finished job. */
export function jobSummary(job: ArchivedJob): JobSummary {
  const status = job.status;
  const endTime = isGloballyTerminal(status) ? (job.timestamps[status] ?? -1) : -1;
  return {
    jobId: job.jobId,
    name: job.name,
    status,
    startTime: job.timestamps.INITIALIZING ?? job.timestamps.CREATED ?? -1,
    endTime,
    lastModification: lastModification(job.executions, endTime),
    tasksPerState: countStates(job.executions),
  };
}

export function jobDetails(job: ArchivedJob): JobDetails {
  const jobGraph = job.jobGraph;
  return {
    ...jobSummary(job),
    jobType: jobGraph.runtimeMode,
    maxParallelism: configuredMaxParallelism(jobGraph),
    isStoppable: false,
    timestamps: { ...job.timestamps },
    vertices: jobGraph.vertices.map((v): JobVertexDetails => {
      const executions = job.executions.filter((e) => e.vertexId === v.id);
      const tasksPerState = countStates(executions);
      return {
        id: v.id,
        name: v.name,
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        slotSharingGroup: v.slotSharingGroup,
        status: aggregateState(tasksPerState, v.parallelism),
        ...vertexTimes(executions),
        tasksPerState,
        metrics: sumMetrics(executions),
      };
    }),
    plan: jobPlan(jobGraph),
    ...(job.slotWait ? { slotWait: { ...job.slotWait } } : {}),
  };
}

function configuredMaxParallelism(jobGraph: JobGraphSpec): number {
  const raw = jobGraph.config['pipeline.max-parallelism'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : -1;
}

/** Flink's job-graph plan: one node per vertex, inputs naming the producing vertices. */
export function jobPlan(jobGraph: JobGraphSpec): JobPlan {
  return {
    jobId: jobGraph.jobId,
    name: jobGraph.name,
    type: jobGraph.runtimeMode,
    nodes: jobGraph.vertices.map((v) => ({
      id: v.id,
      parallelism: v.parallelism,
      operator: '',
      operatorStrategy: '',
      description: v.name,
      inputs: v.inputs.map((edge, num) => ({
        num,
        id: edge.sourceVertexId,
        shipStrategy: edge.shipStrategy,
        exchange: edge.resultType.toLowerCase(),
      })),
    })),
  };
}

/** The result of an ended job; undefined while it runs. */
export function jobResult(job: ArchivedJob): JobResult | undefined {
  const result = job.result;
  if (!result) return undefined;
  const out: JobResult = {
    jobId: result.jobId,
    name: result.jobName,
    status: result.status,
    netRuntimeMs: result.netRuntimeMs,
    accumulators: result.accumulators,
  };
  if (result.failure) out.failure = result.failure;
  return out;
}

/**
 * Groups the job's failures into Flink's history: the first failure of a failover is the
 * root, later ones of the same failover are its concurrent exceptions. A failover ends when the
 * job restarts (each entry carries the number of restarts before it).
 */
export function exceptionHistory(job: ArchivedJob, maxEntries: number): ExceptionHistory {
  const roots: RootExceptionInfo[] = [];
  let currentFailover: number | undefined;
  for (const entry of job.exceptions) {
    const info = exceptionInfo(entry);
    const current = roots[roots.length - 1];
    if (current !== undefined && entry.failover === currentFailover) current.concurrentExceptions.push(info);
    else roots.push({ ...info, concurrentExceptions: [] });
    currentFailover = entry.failover;
  }
  const newestFirst = roots.reverse();
  return { entries: newestFirst.slice(0, maxEntries), truncated: newestFirst.length > maxEntries };
}

function exceptionInfo(entry: ExceptionEntry): ExceptionInfo {
  return {
    exceptionName: entry.exceptionName,
    stacktrace: entry.stacktrace,
    timestamp: entry.timestamp,
    taskName: entry.taskName,
    location: entry.location,
    taskManagerId: entry.location,
    failureLabels: {},
  };
}

/** Flink's job-scope checkpoint metrics: counts and the latest checkpoint, when checkpointing is on (else none). */
export function checkpointMetricValues(job: ArchivedJob): MetricValues {
  const stats = job.checkpoints;
  if (stats === undefined) return {};
  return {
    totalNumberOfCheckpoints: stats.counts.total,
    numberOfInProgressCheckpoints: stats.counts.inProgress,
    numberOfCompletedCheckpoints: stats.counts.completed,
    numberOfFailedCheckpoints: stats.counts.failed,
    lastCheckpointRestoreTimestamp: stats.latestRestored?.restoreTimestamp ?? -1,
    lastCheckpointSize: stats.latestCompleted?.stateSize ?? -1,
    lastCheckpointDuration: stats.latestCompleted?.durationMs ?? -1,
    lastCheckpointExternalPath: stats.latestCompleted?.location ?? 'n/a',
  };
}

export function isTerminalForCancel(status: JobStatus): boolean {
  return isGloballyTerminal(status) || status === 'SUSPENDED';
}
