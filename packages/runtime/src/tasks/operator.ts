import type { Configuration, Logger } from '@spindle/core';
import type { RuntimeMode } from '@spindle/protocol';

/** Where an operator sends its records: the next chained operator(s), or the network. */
export interface Output {
  collect(record: unknown): void;
}

export interface OperatorContext {
  readonly operatorId: string;
  readonly operatorName: string;
  /** Flink's task name with subtask position, e.g. `Map -> Sink: Print (2/4)`. */
  readonly taskName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  readonly runtimeMode: RuntimeMode;
  readonly config: Configuration;
  readonly output: Output;
  readonly log: Logger;
  /** Adds to a named accumulator: numbers are summed, arrays concatenated (in subtask order). */
  addAccumulator(name: string, value: number | unknown[]): void;
  /**
   * Aborted when the task is cancelled (the job failed or was cancelled). Long or asynchronous
   * user code should stop when it fires; code that ignores it is stopped by terminating the
   * slot's worker thread after `task.cancellation.timeout`.
   */
  readonly signal: AbortSignal;
}

/**
 * An operator of a task's chain. The task calls it from one thread only, in this order:
 * `open` (tail of the chain first), `processElement` any number of times, `endInput` once when
 * every input ended (head first), then `close`. After a failure or cancellation only `close` is
 * called. `processElement` must not block; it may emit any number of records.
 */
export interface StreamOperator {
  open(ctx: OperatorContext): void | Promise<void>;
  processElement(record: unknown, inputIndex: number): void;
  endInput(): void | Promise<void>;
  close(): void | Promise<void>;
}

/** 'more': call again; 'end': the source is exhausted. */
export type SourceStatus = 'more' | 'end';

/** The head of a source task: it has no input gates and produces records when polled. */
export interface SourceOperator extends StreamOperator {
  readonly isSource: true;
  /**
   * Emits a bounded amount of records (a few milliseconds' worth at most) into the output.
   * A promise means the source has nothing now and resolves when it is worth asking again.
   */
  emitNext(): SourceStatus | Promise<SourceStatus>;
}

export function isSourceOperator(op: StreamOperator): op is SourceOperator {
  return (op as Partial<SourceOperator>).isSource === true;
}
