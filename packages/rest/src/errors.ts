import { SpindleError } from '@spindle/core';
import type { JobStatus } from '@spindle/protocol';

/** A job id the cluster does not know. */
export class JobNotFoundError extends SpindleError {
  constructor(readonly jobId: string) {
    super(`Job ${jobId} not found`, { code: 'JOB_NOT_FOUND', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'JobNotFoundError';
  }
}

/** Cancelling a job that already ended in a status other than CANCELED. */
export class JobTerminatedWithoutCancellationError extends SpindleError {
  constructor(
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(`Job ${jobId} was not canceled, but instead ${status}.`, {
      code: 'JOB_TERMINATED_WITHOUT_CANCELLATION',
      recoverability: 'non-recoverable',
      userFacing: true,
    });
    this.name = 'JobTerminatedWithoutCancellationError';
  }
}

/** An uploaded program id that is not (or no longer) stored. */
export class JarNotFoundError extends SpindleError {
  constructor(readonly jarId: string) {
    super(`Jar file ${jarId} does not exist`, { code: 'JAR_NOT_FOUND', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'JarNotFoundError';
  }
}

/** The cluster was not given what an operation needs (for example no JarRunner). */
export class UnsupportedOperationError extends SpindleError {
  constructor(message: string) {
    super(message, { code: 'NOT_SUPPORTED', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'UnsupportedOperationError';
  }
}

/** A TaskManager id the cluster does not know (or no longer: it was lost or released). */
export class TaskManagerNotFoundError extends SpindleError {
  constructor(readonly taskManagerId: string) {
    super(`TaskManager ${taskManagerId} does not exist.`, {
      code: 'TASK_MANAGER_NOT_FOUND',
      recoverability: 'non-recoverable',
      userFacing: true,
    });
    this.name = 'TaskManagerNotFoundError';
  }
}

/** A job vertex id that the job does not have. */
export class VertexNotFoundError extends SpindleError {
  constructor(
    readonly jobId: string,
    readonly vertexId: string,
  ) {
    super(`Job ${jobId} has no vertex ${vertexId}.`, { code: 'VERTEX_NOT_FOUND', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'VertexNotFoundError';
  }
}
