import type { ExecutionState, JobExecutionResultSpec, JobGraphSpec, JobStatus, TaskIOMetrics } from '@spindle/protocol';
import type { CheckpointStatsSnapshot } from '../checkpoint/checkpoint-stats.js';
import type { CheckpointCoordinatorConfig } from '../checkpoint/checkpoint-config.js';
import type { ExecutionGraph, SlotAssignment } from '../executiongraph/execution-graph.js';
import { mergeAccumulators } from './accumulators.js';
import type { ExceptionEntry } from './job-master.js';

/** One subtask attempt as it stood when archived. */
export interface ArchivedExecution {
  vertexId: string;
  subtaskIndex: number;
  attemptNumber: number;
  state: ExecutionState;
  timestamps: Partial<Record<ExecutionState, number>>;
  metrics?: TaskIOMetrics;
  slot?: SlotAssignment;
  /** The user accumulators the attempt reported when it finished. */
  accumulators?: Record<string, unknown>;
}

/** What a job that cannot deploy yet waits for: slots needed in all, still missing, and free in the cluster. */
export interface SlotWait {
  needed: number;
  missing: number;
  free: number;
}

/**
 * A job as plain data (Flink's ArchivedExecutionGraph): what REST shows of a job and what the
 * Dispatcher keeps of a finished one once its JobMaster is gone. Structured-clonable and JSON-able;
 * it shares nothing with the live ExecutionGraph.
 */
export interface ArchivedJob {
  jobId: string;
  name: string;
  status: JobStatus;
  timestamps: Partial<Record<JobStatus, number>>;
  /** The job's graph: vertices, edges, configuration; the plan is derived from it. */
  jobGraph: JobGraphSpec;
  executions: ArchivedExecution[];
  exceptions: ExceptionEntry[];
  accumulators: Record<string, unknown>;
  /** Set while the job, RUNNING with its tasks SCHEDULED, has waited a moment for slots it cannot get. */
  slotWait?: SlotWait;
  /** Set once the job reached a terminal status. */
  result?: JobExecutionResultSpec;
  /** Times the job restarted (Flink's `numRestarts` metric). */
  numRestarts: number;
  /** The restart strategy, as Flink describes it in the job's execution config. */
  restartStrategy: string;
  /** Counts and the latest checkpoints, of a STREAMING job (with checkpointing on, or savepoints only). */
  checkpoints?: CheckpointStatsSnapshot;
  /** The checkpoint settings of a STREAMING job (interval 0: savepoints only). */
  checkpointConfig?: CheckpointCoordinatorConfig;
}

/** What the JobMaster adds to an archive beyond the graph: restarts and checkpoints. */
export type FailoverInfo = Pick<ArchivedJob, 'numRestarts' | 'restartStrategy' | 'checkpoints' | 'checkpointConfig'>;

export function archiveJob(
  graph: ExecutionGraph,
  exceptions: readonly ExceptionEntry[],
  slotWait?: SlotWait,
  failover: FailoverInfo = { numRestarts: 0, restartStrategy: 'Restart deactivated.' },
): ArchivedJob {
  return structuredClone({
    jobId: graph.jobGraph.jobId,
    name: graph.jobGraph.name,
    status: graph.status,
    timestamps: graph.timestamps,
    jobGraph: graph.jobGraph,
    executions: graph.executions.map((e): ArchivedExecution => ({
      vertexId: e.vertex.id,
      subtaskIndex: e.subtaskIndex,
      attemptNumber: e.attemptNumber,
      state: e.state,
      timestamps: e.timestamps,
      ...(e.metrics ? { metrics: e.metrics } : {}),
      ...(e.slot ? { slot: e.slot } : {}),
      ...(e.accumulators ? { accumulators: e.accumulators } : {}),
    })),
    exceptions: [...exceptions],
    accumulators: mergeAccumulators(graph.executions),
    ...(slotWait ? { slotWait } : {}),
    ...failover,
  });
}
