import os from 'node:os';
import { Configuration, ManualScheduler, getLogger, type Cancellable } from '@spindle/core';
import type { OperatorContext, ProcessingTimeService } from '@spindle/runtime';
import type { FileSink, FileSinkOperator } from '../src/index.js';

export interface SinkHarnessOptions {
  subtaskIndex?: number;
  parallelism?: number;
  runtimeMode?: 'STREAMING' | 'BATCH';
  /** Job configuration; checkpointing is on unless told otherwise (`execution.checkpointing.interval`). */
  config?: Record<string, string>;
  /** Operator state of a checkpoint (this subtask's share) to restore. */
  restored?: Uint8Array;
  scheduler?: ManualScheduler;
}

/**
 * Drives one FileSink subtask as a task would, and as the checkpoint coordinator will:
 * initializeState (restored or not) → open → elements → snapshotState(n) → notifyCheckpointComplete(n)
 * → ... → finish → close. Processing time is a ManualScheduler; `advance` runs the timers that fall
 * due and waits for them. A crash is simply dropping the harness.
 */
export class SinkHarness {
  private readonly timerWork: Array<Promise<void>> = [];

  private constructor(
    readonly operator: FileSinkOperator<unknown>,
    readonly scheduler: ManualScheduler,
  ) {}

  static async open(sink: FileSink<unknown>, opts: SinkHarnessOptions = {}): Promise<SinkHarness> {
    const scheduler = opts.scheduler ?? new ManualScheduler(1_700_000_000_000);
    const operator = sink.createOperator() as FileSinkOperator<unknown>;
    const h = new SinkHarness(operator, scheduler);
    operator.initializeState({
      isRestored: opts.restored !== undefined,
      operatorName: 'Sink: FileSink',
      clock: scheduler,
      ...(opts.restored ? { restoredState: { keyed: [], operator: opts.restored } } : {}),
    });
    await operator.open(h.context(opts));
    return h;
  }

  element(value: unknown, timestamp?: number): void {
    this.operator.processElement(value, 0, timestamp);
  }

  elements(values: readonly unknown[]): void {
    for (const v of values) this.element(v);
  }

  /** snapshotState for checkpoint `id`: this subtask's operator state bytes. */
  async snapshot(id: number): Promise<Uint8Array> {
    const snapshot = await this.operator.snapshotState({ checkpointId: id, checkpointTimestamp: this.scheduler.now() });
    if (!snapshot?.operator) throw new Error('the sink wrote no operator state');
    return snapshot.operator;
  }

  async complete(id: number): Promise<void> {
    await this.operator.notifyCheckpointComplete(id);
  }

  async finish(): Promise<void> {
    await this.operator.finish();
  }

  close(): void {
    this.operator.close();
  }

  /** Moves processing time forward; the timers that fall due run, and are waited for (their failures thrown). */
  async advance(ms: number): Promise<void> {
    this.scheduler.advance(ms);
    const work = this.timerWork.splice(0);
    await Promise.all(work);
  }

  private context(opts: SinkHarnessOptions): OperatorContext {
    const parallelism = opts.parallelism ?? 1;
    const subtask = opts.subtaskIndex ?? 0;
    return {
      operatorId: 'file-sink',
      operatorName: 'Sink: FileSink',
      taskName: `Sink: FileSink (${subtask + 1}/${parallelism})`,
      subtaskIndex: subtask,
      parallelism,
      maxParallelism: 128,
      attemptNumber: 0,
      runtimeMode: opts.runtimeMode ?? 'STREAMING',
      config: new Configuration(opts.config ?? { 'execution.checkpointing.interval': '1 s' }),
      output: { collect: () => undefined, emitWatermark: () => undefined, emitWatermarkStatus: () => undefined },
      log: getLogger('test'),
      numberOfInputs: 1,
      processingTimeService: this.timeService(),
      mailboxExecutor: { execute: (_description, action) => void action() },
      addAccumulator: () => undefined,
      signal: new AbortController().signal,
      managedMemory: 0,
      tmpDirs: [os.tmpdir()],
    };
  }

  private timeService(): ProcessingTimeService {
    const scheduler = this.scheduler;
    return {
      currentProcessingTime: () => scheduler.now(),
      registerTimer: (timestamp, callback): Cancellable =>
        scheduler.schedule(() => this.timerWork.push(Promise.resolve().then(() => callback(timestamp))), timestamp - scheduler.now()),
      scheduleAtFixedRate: () => {
        throw new Error('not used by the FileSink');
      },
    };
  }
}
