import type { StreamOperator } from '@spindle/runtime/task';

/**
 * What `DataStream.sinkTo` takes (Flink's Sink): a sink that makes the operator of each of its
 * subtasks. FileSink is one.
 */
export interface Sink<IN> {
  /** The sink's name in plans and task names (`Sink: <name>`). */
  readonly sinkName: string;
  /** Called once per subtask, in the task's thread. */
  createOperator(): StreamOperator;
  /** The element type, for type inference only. */
  readonly __type?: IN;
}
