import { SpindleError, errorMessage, recoverabilityOf, type Recoverability } from '@spindle/core';

/** An error of a FileSink; its message names the sink (`FileSink to <base path>`) and the file concerned. */
export class FileSinkError extends SpindleError {
  constructor(sink: string, message: string, opts: { code: string; recoverability: Recoverability; userFacing: boolean; cause?: unknown }) {
    super(`${sink}: ${message}`, opts);
    this.name = 'FileSinkError';
  }
}

/** A restored checkpoint that does not match the files (missing or cut files): restarting again cannot help. */
export function restoreError(sink: string, message: string): FileSinkError {
  return new FileSinkError(sink, message, { code: 'FILE_SINK_RESTORE', recoverability: 'non-recoverable', userFacing: true });
}

/** An I/O failure of the sink, naming the sink and the file; the cause's recoverability decides on restarts. */
export function sinkIoError(sink: string, what: string, cause: unknown): FileSinkError {
  if (cause instanceof FileSinkError) return cause;
  return new FileSinkError(sink, `${what}: ${errorMessage(cause)}`, {
    code: 'FILE_SINK_IO',
    recoverability: recoverabilityOf(cause),
    userFacing: cause instanceof SpindleError ? cause.userFacing : false,
    cause,
  });
}
