import os from 'node:os';
import { Configuration, ManualScheduler, getLogger } from '@spindle/core';
import {
  MailboxProcessingTimeService,
  MailboxProcessor,
  SchedulerProcessingTimeService,
  type AbstractStreamOperator,
  type KeySelector,
  type OperatorContext,
  type OperatorStateSnapshot,
  type Output,
  type StreamOperator,
} from '@spindle/runtime';

/** The maximum parallelism (number of key groups) of harnessed keyed operators. */
export const MAX_P = 128;

/**
 * Drives one operator outside a task (Flink's KeyedOneInputStreamOperatorTestHarness): state
 * initialized (optionally keyed by `keySelector`, optionally restored), opened, records with their
 * key made current, watermarks, and processing time on a ManualScheduler whose timers run at once.
 */
export class OperatorHarness {
  readonly output: Array<[unknown, number | undefined]> = [];
  readonly side = new Map<string, unknown[]>();
  readonly watermarks: number[] = [];
  readonly scheduler: ManualScheduler;

  private constructor(
    readonly operator: AbstractStreamOperator,
    scheduler: ManualScheduler,
  ) {
    this.scheduler = scheduler;
  }

  static async open(
    operator: AbstractStreamOperator,
    opts: {
      keySelector?: KeySelector;
      /** Key selectors per input (two-input operators; undefined for an input that is not keyed). */
      keySelectors?: Array<KeySelector | undefined>;
      /** 2 for a two-input operator (its watermark is then the minimum of both inputs'). */
      numberOfInputs?: number;
      restored?: OperatorStateSnapshot;
      /** Snapshots of several subtasks to restore from (rescaling): their keyed parts are all offered. */
      restoredParts?: OperatorStateSnapshot[];
      /** The subtask's key groups (all of them by default). */
      keyGroupRange?: { start: number; end: number };
      scheduler?: ManualScheduler;
      sideTags?: string[];
      runtimeMode?: 'STREAMING' | 'BATCH';
    } = {},
  ): Promise<OperatorHarness> {
    const scheduler = opts.scheduler ?? new ManualScheduler(1000);
    const h = new OperatorHarness(operator, scheduler);
    const restored = opts.restoredParts ?? (opts.restored ? [opts.restored] : undefined);
    await operator.initializeState({
      isRestored: restored !== undefined,
      operatorName: 'Op',
      processingTimeService: new SchedulerProcessingTimeService(scheduler),
      clock: scheduler,
      ...(opts.keySelector || opts.keySelectors
        ? {
            keyed: {
              keySelectors: opts.keySelectors ?? [opts.keySelector],
              maxParallelism: MAX_P,
              keyGroupRange: opts.keyGroupRange ?? { start: 0, end: MAX_P - 1 },
            },
          }
        : {}),
      ...(restored
        ? { restoredState: { keyed: restored.flatMap((r) => (r.keyed ? [r.keyed] : [])), operator: restored[0]?.operator } }
        : {}),
    });
    const sideOutputs = new Map<string, Output>();
    for (const tag of opts.sideTags ?? []) {
      const seen: unknown[] = [];
      h.side.set(tag, seen);
      sideOutputs.set(tag, { collect: (v) => seen.push(v), emitWatermark: () => undefined, emitWatermarkStatus: () => undefined });
    }
    // Through the port's type: some operators open asynchronously (text file source, file sinks).
    await (operator as StreamOperator).open(h.context(sideOutputs, opts.runtimeMode ?? 'STREAMING', opts.numberOfInputs ?? 1));
    return h;
  }

  element(value: unknown, timestamp?: number, inputIndex = 0): void {
    this.operator.setKeyContextElement(value, inputIndex);
    this.operator.processElement(value, inputIndex, timestamp);
  }

  watermark(mark: number, inputIndex = 0): void {
    this.operator.processWatermark(mark, inputIndex);
  }

  async snapshot(): Promise<OperatorStateSnapshot> {
    return (await this.operator.snapshotState({ checkpointId: 1, checkpointTimestamp: this.scheduler.now() })) as OperatorStateSnapshot;
  }

  values(): unknown[] {
    return this.output.map(([v]) => v);
  }

  private context(sideOutputs: Map<string, Output>, runtimeMode: 'STREAMING' | 'BATCH', numberOfInputs: number): OperatorContext {
    return {
      operatorId: 'op',
      operatorName: 'Op',
      taskName: 'Op (1/1)',
      subtaskIndex: 0,
      parallelism: 1,
      maxParallelism: MAX_P,
      attemptNumber: 0,
      runtimeMode,
      config: new Configuration(),
      log: getLogger('test'),
      output: {
        collect: (v, ts) => this.output.push([v, ts]),
        emitWatermark: (m) => this.watermarks.push(m),
        emitWatermarkStatus: () => undefined,
      },
      sideOutputs,
      numberOfInputs,
      processingTimeService: new MailboxProcessingTimeService(this.scheduler, new MailboxProcessor()),
      mailboxExecutor: { execute: (_description, action) => void action() },
      addAccumulator: () => undefined,
      signal: new AbortController().signal,
      managedMemory: 32 * 1024 * 1024,
      tmpDirs: [os.tmpdir()],
    };
  }
}
