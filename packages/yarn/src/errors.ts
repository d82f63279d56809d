import { SpindleError, type Recoverability } from '@spindle/core';

/** Codes of the errors this package raises; callers branch on these, never on messages. */
export type YarnErrorCode =
  | 'YARN_RM_UNREACHABLE'
  | 'YARN_RM_HTTP'
  | 'YARN_UNKNOWN_QUEUE'
  | 'YARN_RESOURCE_TOO_LARGE'
  | 'HADOOP_RPC_CONNECTION'
  | 'HADOOP_RPC_TIMEOUT'
  | 'HADOOP_RPC_PROTOCOL'
  | 'HADOOP_RPC_REMOTE'
  | 'HADOOP_SASL'
  | 'HADOOP_TOKEN_FILE'
  | 'YARN_STAGING'
  | 'YARN_OOZIE_CONF';

export class YarnError extends SpindleError {
  override readonly code: YarnErrorCode;

  constructor(code: YarnErrorCode, message: string, opts: { recoverability?: Recoverability; cause?: unknown; userFacing?: boolean } = {}) {
    super(message, { code, recoverability: opts.recoverability ?? 'environment', cause: opts.cause, userFacing: opts.userFacing ?? false });
    this.name = 'YarnError';
    this.code = code;
  }
}

/**
 * An exception thrown by a Hadoop server, as its RPC response header carries it: the Java class
 * name, the first line of its message, and the rest (the remote stack trace) kept for logs.
 */
export class HadoopRemoteError extends YarnError {
  readonly className: string;
  readonly remoteMessage: string;
  readonly remoteTrace: string;
  /** FATAL closes the connection; ERROR fails this call only. */
  readonly fatal: boolean;
  readonly errorDetail: string | undefined;

  constructor(fields: { className: string; errorMsg: string; fatal: boolean; errorDetail?: string; context: string }) {
    const [first = '', ...rest] = fields.errorMsg.split('\n');
    super('HADOOP_RPC_REMOTE', `${fields.context}: ${fields.className}: ${first}`, { recoverability: 'recoverable' });
    this.name = 'HadoopRemoteError';
    this.className = fields.className;
    this.remoteMessage = first;
    this.remoteTrace = rest.join('\n');
    this.fatal = fields.fatal;
    this.errorDetail = fields.errorDetail;
  }

  /** The simple class name, e.g. `InvalidApplicationMasterRequestException`. */
  get simpleClassName(): string {
    return this.className.slice(this.className.lastIndexOf('.') + 1);
  }
}
