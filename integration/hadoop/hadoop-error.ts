import { SpindleError } from '@spindle/core';

/** Why the harness could not do what it was asked; the message names the problem and what to do. */
export type HadoopErrorCode =
  | 'HADOOP_NO_JAVA'
  | 'HADOOP_OLD_JAVA'
  | 'HADOOP_NO_MAVEN'
  | 'HADOOP_MAVEN_FAILED'
  | 'HADOOP_START_FAILED'
  | 'HADOOP_START_TIMEOUT'
  | 'HADOOP_ALREADY_RUNNING'
  | 'HADOOP_NOT_RUNNING'
  | 'HADOOP_NOT_HA'
  | 'HADOOP_COMMAND_FAILED'
  | 'HADOOP_STOP_FAILED';

/** A failure of the Hadoop harness: an environment problem, printed by the CLI as one line. */
export class HadoopHarnessError extends SpindleError {
  declare readonly code: HadoopErrorCode;

  constructor(code: HadoopErrorCode, message: string, cause?: unknown) {
    super(message, { code, recoverability: 'environment', userFacing: true, cause });
    this.name = 'HadoopHarnessError';
  }
}
