import type { Clock, Configuration, KeyGroupRange, Logger } from '@spindle/core';
import type { RuntimeMode } from '@spindle/protocol';
import type { Watermark, WatermarkStatus } from '../network/stream-elements.js';
import type { ProcessingTimeService } from './processing-time-service.js';
import type { KeySelector } from './record-writer-output.js';
import type { TimerScheduling } from '../state/processing-time-service.js';

/**
 * Where an operator sends its stream: the next chained operator(s), or the network. Records keep
 * the timestamp given here (none when undefined); watermarks and statuses go to every consumer.
 */
export interface Output {
  collect(value: unknown, timestamp?: number): void;
  emitWatermark(mark: Watermark): void;
  emitWatermarkStatus(status: WatermarkStatus): void;
}

/**
 * An output that also takes text whole: UTF-8 lines, each ending in `\n`, with the effect of
 * `collect` of each line as a string (without its `\n`). Chained outputs to an operator that is
 * TextLinesInput offer it (a text sink), so that an operator holding lines as bytes (a sort of
 * strings) hands them over without making strings.
 */
export interface TextLinesOutput extends Output {
  /** `bytes` is only read during the call. */
  collectTextLines(bytes: Uint8Array): void;
}

/** `out` when it takes text whole (TextLinesOutput). */
export function textLinesOutput(out: Output): TextLinesOutput | undefined {
  return typeof (out as Partial<TextLinesOutput>).collectTextLines === 'function' ? (out as TextLinesOutput) : undefined;
}

/** Queues an action as a mail of the task; a failure of the action fails the task, naming the operator. */
export interface MailboxExecutor {
  execute(description: string, action: () => void | Promise<void>): void;
}

/** A count an operator keeps (Flink's Counter), reported with the task's metrics. */
export interface Counter {
  inc(n?: number): void;
  getCount(): number;
}

export class SimpleCounter implements Counter {
  private count = 0;

  inc(n = 1): void {
    this.count += n;
  }

  getCount(): number {
    return this.count;
  }
}

/** The operator's metrics (Flink's OperatorMetricGroup): named `<operator name>.<name>` in REST and Prometheus. */
export interface OperatorMetricGroup {
  /** The counter `name` of this operator, created on first use (the same one on later calls). */
  counter(name: string): Counter;
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
  /**
   * Side outputs that downstream operators consume, by tag id (Flink's `OutputTag`): records
   * collected there go only to those consumers. A tag missing here has no consumer (drop).
   */
  readonly sideOutputs?: ReadonlyMap<string, Output>;
  readonly log: Logger;
  /** How many logical inputs feed the operator (0 for a source, 1 when chained). */
  readonly numberOfInputs: number;
  /** Processing time and timers whose callbacks run on the task's thread, between elements. */
  readonly processingTimeService: ProcessingTimeService;
  /**
   * Runs actions on the task's thread between elements (Flink's MailboxExecutor): how work that
   * completes outside the task (a promise of an external call) gets back to the operator.
   */
  readonly mailboxExecutor: MailboxExecutor;
  /** The operator's metrics; absent where operators run without a task (unit tests). */
  readonly metricGroup?: OperatorMetricGroup;
  /** Adds to a named accumulator: numbers are summed, arrays concatenated (in subtask order). */
  addAccumulator(name: string, value: number | unknown[]): void;
  /**
   * Aborted when the task is cancelled (the job failed or was cancelled). Long or asynchronous
   * user code should stop when it fires; code that ignores it is stopped by terminating the
   * slot's worker thread after `task.cancellation.timeout`.
   */
  readonly signal: AbortSignal;
  /**
   * Bytes of managed memory this operator may hold (its share of the slot's), for sorting,
   * hashing and joining in BATCH; 0 for operators that declared no managed memory use. An
   * operator that needs more spills to `tmpDirs`.
   */
  readonly managedMemory: number;
  /** Where the operator writes temporary (spill) files: `io.tmp.dirs`. */
  readonly tmpDirs: readonly string[];
  /**
   * For operators that emit much at once (a sort's output at the end of input): undefined when
   * the task's outputs have room now, else a promise that resolves once they have (or the task is
   * cancelled). Awaiting it between batches of records keeps the output buffers bounded, as the
   * task does between input records. Absent: the outputs always have room.
   */
  whenOutputAvailable?(): Promise<void> | undefined;
}

/**
 * What makes an operator keyed (Flink's state key selectors): the key selector of each logical
 * input that comes through a keyBy edge (undefined for the others), and the key groups of this
 * subtask (`keyGroupRangeFor(maxParallelism, parallelism, subtaskIndex)`).
 */
export interface KeyedStateInfo {
  readonly keySelectors: ReadonlyArray<KeySelector | undefined>;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
}

/** What `snapshotState` writes: the keyed state and timers (keyed operators) and the operator state. */
export interface OperatorStateSnapshot {
  keyed?: Uint8Array;
  operator?: Uint8Array;
}

/** Handed to `initializeState`: whether the operator starts from a checkpoint, and what it needs for state. */
export interface StateInitializationContext {
  /** True when the task restores state of a checkpoint; false for a fresh start. */
  readonly isRestored: boolean;
  /** The checkpoint restored from, when restored. */
  readonly restoredCheckpointId?: number;
  /** The operator's name, for error messages. */
  readonly operatorName?: string;
  /** Present when the operator is keyed: it then gets a keyed state backend and timer services. */
  readonly keyed?: KeyedStateInfo;
  /** The task's processing time, for processing-time timers (callbacks run on the task's thread). */
  readonly processingTimeService?: TimerScheduling;
  /** The clock of state TTL; the system's by default. */
  readonly clock?: Clock;
  /** State to restore: keyed snapshot parts of any key-group ranges, and this subtask's operator state. */
  readonly restoredState?: { readonly keyed: readonly Uint8Array[]; readonly operator?: Uint8Array };
}

/** Handed to `snapshotState` when a checkpoint barrier reaches the operator. */
export interface StateSnapshotContext {
  readonly checkpointId: number;
  readonly checkpointTimestamp: number;
}

/**
 * An operator of a task's chain (Flink's StreamOperator). The task calls it on its own thread
 * only, in this order: `initializeState` (restored or empty), then `open` (both tail of the chain
 * first), then `processElement`, `processWatermark` and `processWatermarkStatus` in stream order
 * and processing-time callbacks in between, `finish` once every input ended (head first; the
 * operator may still emit), then `close`. `snapshotState` runs between elements, when a
 * checkpoint barrier reaches the operator. After a failure or cancellation only `close` is
 * called; a task cancelled while an asynchronous `open` runs calls `close` again once that open
 * settles, so `close` must be safe to call twice. No call may block; `processElement` may emit any
 * number of records.
 *
 * `inputIndex` is the logical input (0 for one-input operators); `timestamp` is the record's
 * event time, undefined when it has none. Watermarks arrive already combined over the channels of
 * an input (the minimum of the active ones); an operator with several inputs combines them
 * itself (AbstractStreamOperator does).
 */
export interface StreamOperator {
  initializeState(context: StateInitializationContext): void | Promise<void>;
  open(ctx: OperatorContext): void | Promise<void>;
  processElement(value: unknown, inputIndex: number, timestamp?: number): void;
  processWatermark(mark: Watermark, inputIndex: number): void;
  processWatermarkStatus(status: WatermarkStatus, inputIndex: number): void;
  finish(): void | Promise<void>;
  close(): void | Promise<void>;
  /**
   * Writes the operator's state (keyed state, timers, operator state); operators without state
   * return nothing.
   */
  snapshotState(context: StateSnapshotContext): OperatorStateSnapshot | void | Promise<OperatorStateSnapshot | void>;
  /**
   * Keyed operators: makes the key of `value` current before `processElement` (Flink's
   * setKeyContextElement). The task calls it for records of inputs that come through keyBy edges.
   */
  setKeyContextElement?(value: unknown, inputIndex: number): void;
  /**
   * Checkpoint `checkpointId` completed: every task acknowledged it and its metadata is stored.
   * Operators commit the side effects that checkpoint covers here (Flink's CheckpointListener);
   * a later completed checkpoint subsumes an earlier one whose notification was lost.
   */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted (timed out, declined, or failed); its state will never be restored. */
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}

/**
 * An operator that wants to know when each of its inputs ended (Flink's BoundedMultiInput): the
 * task calls `endInput(inputIndex)` once every channel of that logical input delivered its end,
 * after the input's last element and its final watermark. `finish` follows once all inputs ended.
 */
export interface BoundedMultiInput {
  endInput(inputIndex: number): void;
}

export function isBoundedMultiInput(op: StreamOperator): op is StreamOperator & BoundedMultiInput {
  return typeof (op as Partial<BoundedMultiInput>).endInput === 'function';
}

/**
 * An operator that chooses which input the task reads next (Flink's InputSelectable): the task
 * reads only the logical input `nextSelection()` names, or all with 'ALL', and asks again before
 * every buffer. A selected input that has ended no longer restricts reading. Used to read one
 * input whole before the other (the broadcast side first in BATCH); both inputs must not depend on
 * the same upstream task, or the unread one's backpressure could stall the selected one.
 */
export interface InputSelectable {
  nextSelection(): number | 'ALL';
}

/**
 * An operator that takes UTF-8 lines whole (see TextLinesOutput): `processTextLines(bytes)` does
 * what `processElement` does for each line of `bytes` as a string; `bytes` is only read during
 * the call.
 */
export interface TextLinesInput {
  processTextLines(bytes: Uint8Array): void;
}

export function isTextLinesInput(op: StreamOperator): op is StreamOperator & TextLinesInput {
  return typeof (op as Partial<TextLinesInput>).processTextLines === 'function';
}

export function isInputSelectable(op: StreamOperator): op is StreamOperator & InputSelectable {
  return typeof (op as Partial<InputSelectable>).nextSelection === 'function';
}

/**
 * An operator that hands records to an external system whose writes complete later (a file
 * sink streaming to HDFS), and that must not buffer without bound: while `isAvailable()` is
 * false, the task takes no more input (its input backs up, as with full network buffers) and
 * runs only mails, until `whenAvailable()` resolves. The task's thread asks between elements.
 */
export interface AvailabilityProvider {
  isAvailable(): boolean;
  whenAvailable(): Promise<void>;
}

export function isAvailabilityProvider(op: StreamOperator): op is StreamOperator & AvailabilityProvider {
  const p = op as Partial<AvailabilityProvider>;
  return typeof p.isAvailable === 'function' && typeof p.whenAvailable === 'function';
}

/** 'more': call again; 'end': the source is exhausted. */
export type SourceStatus = 'more' | 'end';

/**
 * The head of a source task: it has no input gates and produces records when polled. When it
 * returns 'end', the task emits `Watermark.MAX` into its output (Flink's end of input).
 */
export interface SourceOperator extends StreamOperator {
  readonly isSource: true;
  /**
   * Emits a bounded amount of records (a few milliseconds' worth at most) into the output.
   * A promise means the source has nothing now and resolves when it is worth asking again;
   * mails (timers, periodic watermarks) run meanwhile.
   */
  emitNext(): SourceStatus | Promise<SourceStatus>;
}

export function isSourceOperator(op: StreamOperator): op is SourceOperator {
  return (op as Partial<SourceOperator>).isSource === true;
}
