import { SpindleError } from '@spindle/core';
import type { ExecutionState, JobStatus } from '@spindle/protocol';

const JOB_EDGES: Record<JobStatus, readonly JobStatus[]> = {
  INITIALIZING: ['CREATED', 'FAILED', 'CANCELED', 'SUSPENDED'],
  CREATED: ['RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'SUSPENDED'],
  RUNNING: ['FINISHED', 'FAILING', 'CANCELLING', 'RESTARTING', 'SUSPENDED'],
  FAILING: ['FAILED', 'RESTARTING', 'CANCELLING', 'SUSPENDED'],
  RESTARTING: ['CREATED', 'CANCELED', 'FAILED', 'SUSPENDED'],
  CANCELLING: ['CANCELED', 'SUSPENDED'],
  RECONCILING: ['RUNNING', 'FAILING', 'CANCELLING', 'SUSPENDED'],
  FINISHED: [],
  FAILED: [],
  CANCELED: [],
  SUSPENDED: [],
};

const EXECUTION_EDGES: Record<ExecutionState, readonly ExecutionState[]> = {
  CREATED: ['SCHEDULED', 'CANCELED', 'FAILED'],
  SCHEDULED: ['DEPLOYING', 'CANCELING', 'CANCELED', 'FAILED'],
  DEPLOYING: ['INITIALIZING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED'],
  INITIALIZING: ['RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED'],
  RUNNING: ['FINISHED', 'CANCELING', 'CANCELED', 'FAILED'],
  CANCELING: ['CANCELED', 'FAILED', 'FINISHED'],
  RECONCILING: ['RUNNING', 'FINISHED', 'FAILED', 'CANCELED'],
  FINISHED: [],
  CANCELED: [],
  FAILED: [],
};

function check<S extends string>(edges: Record<S, readonly S[]>, what: string, from: S, to: S): void {
  if (!edges[from].includes(to)) {
    throw new SpindleError(`illegal ${what} transition ${from} -> ${to}`, { code: 'ILLEGAL_STATE', recoverability: 'non-recoverable' });
  }
}

export function checkJobTransition(from: JobStatus, to: JobStatus): void {
  check(JOB_EDGES, 'job status', from, to);
}

export function checkExecutionTransition(from: ExecutionState, to: ExecutionState): void {
  check(EXECUTION_EDGES, 'execution state', from, to);
}
