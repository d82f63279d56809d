import path from 'node:path';
import { SpindleError, deserializeError } from '@spindle/core';
import type { SerializedFailure } from '@spindle/protocol';

/** The job's failure as the user should read it: the cause, and where in their code it arose. */
export function jobFailure(jobId: string, status: string, failure: SerializedFailure | undefined, sourcePath: string): SpindleError {
  if (!failure) {
    return new SpindleError(`Job ${jobId} ended ${status}.`, { code: 'JOB_NOT_FINISHED', userFacing: true });
  }
  const error = deserializeError(failure);
  const location = userFrame(failure, sourcePath);
  const where = location ? `\n    at ${location}` : '';
  return new SpindleError(`Job ${jobId} failed: ${error.message}${where}`, {
    code: error.code, userFacing: true, recoverability: error.recoverability, cause: error,
  });
}

/** The first stack frame in the job's own directory (source-mapped to the TypeScript file). */
function userFrame(failure: SerializedFailure, sourcePath: string): string | undefined {
  const stacks = [];
  for (let f: SerializedFailure | undefined = failure; f; f = f.cause) if (f.stack) stacks.push(f.stack);
  const dir = path.dirname(sourcePath);
  for (const stack of stacks.reverse()) {
    for (const line of stack.split('\n')) {
      const m = /\(?(?:file:\/\/)?(\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
      if (m && m[1]!.startsWith(dir) && !m[1]!.includes('/node_modules/')) return `${path.relative(process.cwd(), m[1]!)}:${m[2]}:${m[3]}`;
    }
  }
  return undefined;
}
