import path from 'node:path';
import { SpindleError, deserializeError, renderFailure } from '@spindle/core';
import type { SerializedFailure } from '@spindle/protocol';

/** The job's failure as the user should read it: the cause, and where in their code it arose. */
export function jobFailure(jobId: string, status: string, failure: SerializedFailure | undefined, sourcePath: string): SpindleError {
  if (!failure) {
    return new SpindleError(`Job ${jobId} ended ${status}.`, { code: 'JOB_NOT_FINISHED', userFacing: true });
  }
  const error = deserializeError(failure);
  const { summary } = renderFailure(failure, { sourceDir: path.dirname(sourcePath), relativeTo: process.cwd() });
  return new SpindleError(`Job ${jobId} failed: ${summary}`, {
    code: error.code,
    userFacing: true,
    recoverability: error.recoverability,
    cause: error,
  });
}
