import type { ApplicationStatus, ExecutionState, JobStatus } from '@spindle/protocol';

/**
 * The REST answers as tests read them, in Flink's wire format: the fields of the fixtures in
 * test/fixtures, which `fixtureProblems` checks an answer against before a test reads it.
 */

/** `GET /overview`. */
export interface ClusterOverviewWire {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
  'flink-commit': string;
}

/** `GET /jobs/overview`. */
export interface JobsOverviewWire {
  jobs: JobOverviewWire[];
}

export interface JobOverviewWire {
  jid: string;
  name: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  state: JobStatus;
  'last-modification': number;
  /** The total and one lower-case key per ExecutionState. */
  tasks: Record<string, number>;
}

/** `GET /jobs`. */
export interface JobIdsWire {
  jobs: Array<{ id: string; status: JobStatus }>;
}

/** `GET /jobs/:jobid/status`. */
export interface JobStatusWire {
  status: JobStatus;
}

/** `GET /jobs/:jobid`. */
export interface JobDetailsWire {
  jid: string;
  name: string;
  isStoppable: boolean;
  state: JobStatus;
  'job-type': 'STREAMING' | 'BATCH';
  'start-time': number;
  'end-time': number;
  duration: number;
  maxParallelism: number;
  now: number;
  timestamps: Record<JobStatus, number>;
  vertices: VertexWire[];
  'status-counts': Record<ExecutionState, number>;
  plan: PlanWire;
}

export interface VertexWire {
  id: string;
  slotSharingGroupId: string;
  name: string;
  maxParallelism: number;
  parallelism: number;
  status: ExecutionState;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Record<ExecutionState, number>;
  metrics: IOMetricsWire;
}

export interface IOMetricsWire {
  'read-bytes': number;
  'read-bytes-complete': boolean;
  'write-bytes': number;
  'write-bytes-complete': boolean;
  'read-records': number;
  'read-records-complete': boolean;
  'write-records': number;
  'write-records-complete': boolean;
  'accumulated-backpressured-time': number;
  'accumulated-idle-time': number;
  'accumulated-busy-time': number;
  /** The lowest watermark of the vertex's subtasks, in Flink's Long form (a decimal string). */
  currentInputWatermark?: string;
  currentOutputWatermark?: string;
}

/** `GET /jobs/:jobid/plan`. */
export interface JobPlanWire {
  plan: PlanWire;
}

export interface PlanWire {
  jid: string;
  name: string;
  type: 'STREAMING' | 'BATCH';
  nodes: PlanNodeWire[];
}

export interface PlanNodeWire {
  id: string;
  parallelism: number;
  operator: string;
  operator_strategy: string;
  description: string;
  inputs?: Array<{ num: number; id: string; ship_strategy: string; exchange: string }>;
}

/** `GET /jobs/:jobid/execution-result`: the result once the job ended, only the status before. */
export interface ExecutionResultWire {
  status: { id: 'COMPLETED' | 'IN_PROGRESS' };
  'job-execution-result'?: JobExecutionResultWire;
}

export interface JobExecutionResultWire {
  id: string;
  'application-status': ApplicationStatus;
  /** Base64 of each accumulator's JSON. */
  'accumulator-results': Record<string, string>;
  'net-runtime': number;
  'failure-cause'?: { class: string; 'stack-trace': string; 'serialized-throwable': string };
}

/** `GET /jobs/:jobid/exceptions`. */
export interface JobExceptionsWire {
  'root-exception': string | null;
  timestamp: number | null;
  'all-exceptions': Array<{ exception: string; task: string; location: string; timestamp: number }>;
  truncated: boolean;
  exceptionHistory: { entries: ExceptionEntryWire[]; truncated: boolean };
}

export interface ExceptionInfoWire {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  failureLabels: Record<string, string>;
  taskName?: string;
  location?: string;
  endpoint?: string;
  taskManagerId?: string;
}

export interface ExceptionEntryWire extends ExceptionInfoWire {
  concurrentExceptions: ExceptionInfoWire[];
}

/** `GET /taskmanagers`, with the fields tests read. */
export interface TaskManagersWire {
  taskmanagers: Array<{ id: string; slotsNumber: number; freeSlots: number; timeSinceLastHeartbeat: number }>;
}

/** `POST /jars/upload`. */
export interface JarUploadWire {
  filename: string;
  status: 'success';
}

/** `POST /jars/:jarid/run`. */
export interface JarRunWire {
  jobid: string;
}

/** Any error answer. */
export interface ErrorWire {
  errors: string[];
}
