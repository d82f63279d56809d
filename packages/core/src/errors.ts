/**
 * How a failure should be handled by failover, in the spirit of Flink's ThrowableType:
 * - `recoverable`: restarting the affected tasks may succeed;
 * - `non-recoverable`: restarting will fail again in the same way (bad configuration, bad job);
 * - `environment`: the machine or cluster is at fault (disk full, lost container), not the job;
 * - `partition-data-missing`: a consumed result partition is gone, so its producer must rerun.
 */
export type Recoverability = 'recoverable' | 'non-recoverable' | 'environment' | 'partition-data-missing';

export interface SpindleErrorOptions {
  code?: string;
  recoverability?: Recoverability;
  cause?: unknown;
  /** True when the user's input caused the error: CLIs print only the message, never a stack. */
  userFacing?: boolean;
  /** With `partition-data-missing`: the result partition that could not be read (its producer must rerun). */
  partitionId?: string;
}

/** Base class of every error Spindle raises on purpose; failover reads `recoverability`, never the message. */
export class SpindleError extends Error {
  readonly code: string;
  readonly recoverability: Recoverability;
  readonly userFacing: boolean;
  readonly partitionId: string | undefined;

  constructor(message: string, opts: SpindleErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SpindleError';
    this.code = opts.code ?? 'INTERNAL';
    this.recoverability = opts.recoverability ?? 'recoverable';
    this.userFacing = opts.userFacing ?? false;
    this.partitionId = opts.partitionId;
  }
}

/**
 * Invalid configuration; lists every problem found, one per line, then the warnings found while
 * loading (unknown keys, deprecated keys) so that no problem hides another.
 */
export class ConfigurationError extends SpindleError {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];

  constructor(problems: string[], warnings: readonly string[] = []) {
    super(formatProblems(problems, warnings), { code: 'CONFIG_INVALID', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'ConfigurationError';
    this.problems = Object.freeze([...problems]);
    this.warnings = Object.freeze([...warnings]);
  }
}

function formatProblems(problems: readonly string[], warnings: readonly string[]): string {
  const lines = ['Invalid configuration:', ...problems.map((p) => `  - ${p}`)];
  if (warnings.length > 0) lines.push('Also:', ...warnings.map((w) => `  - ${w}`));
  return lines.join('\n');
}

/** Wraps an exception thrown by a user function (map, filter, source, sink...). */
export class UserCodeError extends SpindleError {
  constructor(message: string, cause: unknown) {
    super(message, { code: 'USER_CODE', recoverability: 'recoverable', userFacing: true, cause });
    this.name = 'UserCodeError';
  }
}

/** The form in which errors cross thread and process boundaries. */
export interface SerializedError {
  name: string;
  message: string;
  code: string;
  recoverability: Recoverability;
  userFacing: boolean;
  stack?: string;
  cause?: SerializedError;
  /** The result partition that could not be read, for `partition-data-missing`. */
  partitionId?: string;
}

const MAX_CAUSE_DEPTH = 5;

/** Converts any thrown value into plain data; follows `cause` chains up to five levels deep. */
export function serializeError(e: unknown): SerializedError {
  return serializeAtDepth(e, 0);
}

function serializeAtDepth(e: unknown, depth: number): SerializedError {
  const out = e instanceof Error ? serializeErrorObject(e) : serializeNonError(e);
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = serializeAtDepth(cause, depth + 1);
  }
  return out;
}

function serializeErrorObject(e: Error): SerializedError {
  const out: SerializedError = {
    name: e.name,
    message: e.message,
    code: codeOf(e),
    recoverability: e instanceof SpindleError ? e.recoverability : 'recoverable',
    userFacing: e instanceof SpindleError ? e.userFacing : false,
  };
  if (typeof e.stack === 'string') out.stack = e.stack;
  if (e instanceof SpindleError && e.partitionId !== undefined) out.partitionId = e.partitionId;
  return out;
}

function codeOf(e: Error): string {
  if (e instanceof SpindleError) return e.code;
  // Node system errors carry useful codes such as ECONNREFUSED or ENOENT.
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : 'INTERNAL';
}

function serializeNonError(e: unknown): SerializedError {
  return { name: 'Error', message: errorMessage(e), code: 'INTERNAL', recoverability: 'recoverable', userFacing: false };
}

/** Rebuilds a serialized error; name, message, code, recoverability, userFacing and stack are preserved. */
export function deserializeError(s: SerializedError): SpindleError {
  const cause = s.cause === undefined ? undefined : deserializeError(s.cause);
  const e = new SpindleError(s.message, {
    code: s.code,
    recoverability: s.recoverability,
    userFacing: s.userFacing,
    cause,
    ...(s.partitionId !== undefined ? { partitionId: s.partitionId } : {}),
  });
  e.name = s.name;
  if (s.stack === undefined) delete e.stack;
  else e.stack = s.stack;
  return e;
}

/** The message of any thrown value, for logs and user output. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e !== null && typeof e === 'object') {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    const json = jsonOf(e);
    if (json !== undefined) return json;
  }
  return String(e);
}

/** The JSON text of a value, or undefined when it has none (a cycle, a bigint, a toJSON returning undefined). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The recoverability of any thrown value; errors Spindle does not know are assumed recoverable. */
export function recoverabilityOf(e: unknown): Recoverability {
  return e instanceof SpindleError ? e.recoverability : 'recoverable';
}
