import type { Watermark, WatermarkStatus } from '../network/stream-elements.js';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.js';
import type { HeapInternalTimerService, Triggerable } from '../state/internal-timer-service.js';
import type { OperatorStateStore } from '../state/operator-state-store.js';
import type { NamespaceSerializer } from '../state/state-table.js';
import type {
  OperatorContext,
  OperatorStateSnapshot,
  Output,
  StateInitializationContext,
  StateSnapshotContext,
  StreamOperator,
} from './operator.js';
import { OperatorStateHandler } from './operator-state-handler.js';
import { StatusWatermarkValve, type ValveOutput } from './status-watermark-valve.js';

/**
 * Defaults for operators (Flink's AbstractStreamOperator): state, and watermarks forwarded.
 * A one-input operator forwards each watermark and status as it comes; an operator with several
 * inputs forwards the minimum watermark of its active inputs, and is idle when all are.
 * Subclasses that act on event time override `onWatermark` (the combined watermark).
 *
 * State: `initializeState` builds the operator's state (OperatorStateHandler): an operator state
 * store, and for a keyed operator (the task says so in the context) a keyed state backend whose
 * current key the task sets before each record (`setKeyContextElement`) and timer services
 * (`getInternalTimerService`) whose event-time timers fire when the watermark advances, before
 * it is forwarded. Subclasses that override `initializeState`, `onWatermark`, `finish`,
 * `close` or `snapshotState` call `super`. Any operator, with one input or several, gets keyed
 * state this way.
 */
export abstract class AbstractStreamOperator implements StreamOperator {
  protected ctx!: OperatorContext;
  protected out!: Output;
  private inputs: StatusWatermarkValve | undefined;
  private readonly combined: ValveOutput = {
    emitWatermark: (mark) => this.onWatermark(mark),
    emitWatermarkStatus: (status) => this.onWatermarkStatus(status),
  };
  private watermark: Watermark = Number.NEGATIVE_INFINITY;
  private handler: OperatorStateHandler | undefined;

  initializeState(context: StateInitializationContext): void | Promise<void> {
    this.handler = new OperatorStateHandler(context.operatorName ?? this.constructor.name, context);
  }

  /** The operator's state; built by `initializeState` (an empty, non-keyed one if it never ran). */
  protected get stateHandler(): OperatorStateHandler {
    this.handler ??= new OperatorStateHandler((this.ctx as OperatorContext | undefined)?.operatorName ?? this.constructor.name, {
      isRestored: false,
    });
    return this.handler;
  }

  /** The keyed state backend, undefined unless the operator is keyed. */
  protected get keyedStateBackend(): HeapKeyedStateBackend | undefined {
    return this.stateHandler.keyedStateBackend;
  }

  protected get operatorStateStore(): OperatorStateStore {
    return this.stateHandler.operatorStateStore;
  }

  /**
   * A timer service whose timers call `triggerable` with their key current; keyed operators only.
   * Namespaces are written with `namespaceSerializer` (core's key codec by default).
   */
  protected getInternalTimerService<K, N>(
    name: string,
    triggerable: Triggerable<K, N>,
    namespaceSerializer?: NamespaceSerializer<N>,
  ): HeapInternalTimerService<K, N> {
    return this.stateHandler.getInternalTimerService(name, triggerable, namespaceSerializer);
  }

  setKeyContextElement(value: unknown, inputIndex: number): void {
    (this.handler ?? this.stateHandler).setKeyContextElement(value, inputIndex);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.out = ctx.output;
    if (ctx.numberOfInputs > 1) this.inputs = new StatusWatermarkValve(ctx.numberOfInputs);
  }

  abstract processElement(value: unknown, inputIndex: number, timestamp?: number): void;

  processWatermark(mark: Watermark, inputIndex: number): void {
    if (this.inputs) this.inputs.inputWatermark(mark, inputIndex, this.combined);
    else this.onWatermark(mark);
  }

  processWatermarkStatus(status: WatermarkStatus, inputIndex: number): void {
    if (this.inputs) this.inputs.inputWatermarkStatus(status, inputIndex, this.combined);
    else this.onWatermarkStatus(status);
  }

  /** The event time the operator has reached: the last combined watermark. */
  protected get currentWatermark(): Watermark {
    return this.watermark;
  }

  /**
   * The combined watermark advanced; the default fires the event-time timers up to it (in BATCH the
   * end of input fires the processing-time timers too), then forwards it.
   */
  protected onWatermark(mark: Watermark): void {
    this.watermark = mark;
    this.handler?.advanceWatermark(mark, this.ctx.runtimeMode);
    this.out.emitWatermark(mark);
  }

  protected onWatermarkStatus(status: WatermarkStatus): void {
    this.out.emitWatermarkStatus(status);
  }

  finish(): void | Promise<void> {}

  close(): void | Promise<void> {
    this.handler?.close();
  }

  snapshotState(_context: StateSnapshotContext): OperatorStateSnapshot | void | Promise<OperatorStateSnapshot | void> {
    return this.stateHandler.snapshot();
  }
}
