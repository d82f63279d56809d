import { SpindleError, errorMessage } from '@spindle/core';

/** An HTTP error answered as Flink's `{"errors": [...]}` body. */
export class RestError extends SpindleError {
  readonly errors: string[];

  constructor(
    readonly status: number,
    message: string,
    details: string[] = [],
  ) {
    super(message, { code: `HTTP_${status}`, recoverability: 'non-recoverable', userFacing: status < 500 });
    this.name = 'RestError';
    this.errors = [message, ...details];
  }
}

export const badRequest = (message: string): RestError => new RestError(400, message);

/** Maps what a handler threw to the response status and messages; unknown errors become 500. */
export function restErrorOf(e: unknown): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof SpindleError) {
    switch (e.code) {
      case 'JOB_NOT_FOUND':
      case 'TASK_MANAGER_NOT_FOUND':
      case 'UNKNOWN_TASK_MANAGER':
      case 'VERTEX_NOT_FOUND':
      case 'LOG_FILE_NOT_FOUND':
        return new RestError(404, e.message);
      case 'FORBIDDEN':
        return new RestError(403, e.message);
      case 'JOB_TERMINATED_WITHOUT_CANCELLATION':
        return new RestError(409, e.message);
      case 'NOT_SUPPORTED':
        return new RestError(501, e.message);
      case 'PLAN_RUNS_EXHAUSTED':
        return new RestError(503, e.message);
      case 'JAR_NOT_FOUND':
      case 'INVALID_ID':
        return new RestError(400, e.message);
      default:
        if (e.userFacing) return new RestError(400, e.message);
    }
  }
  return new RestError(500, 'Internal server error.', [errorMessage(e)]);
}
