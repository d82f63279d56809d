import { SpindleError } from '@spindle/core';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.js';
import { InternalTimeServiceManager, type HeapInternalTimerService, type Triggerable } from '../state/internal-timer-service.js';
import { OperatorStateStore } from '../state/operator-state-store.js';
import type { NamespaceSerializer } from '../state/state-table.js';
import { Watermark } from '../network/stream-elements.js';
import type { RuntimeMode } from '@spindle/protocol';
import type { KeyedStateInfo, OperatorStateSnapshot, StateInitializationContext } from './operator.js';
import type { KeySelector } from './record-writer-output.js';

/**
 * The state of one operator in one subtask (Flink's StreamOperatorStateHandler): an operator state
 * store always, and for keyed operators a heap keyed state backend over the subtask's key groups,
 * the key selectors of its keyed inputs and a timer service manager. Built in `initializeState`,
 * from the context the task hands over (restoring what it carries); used by the task's thread only.
 */
export class OperatorStateHandler {
  readonly operatorStateStore = new OperatorStateStore();
  readonly keyedStateBackend: HeapKeyedStateBackend | undefined;
  readonly timeServiceManager: InternalTimeServiceManager | undefined;
  private readonly keySelectors: ReadonlyArray<KeySelector | undefined>;

  constructor(
    private readonly operatorName: string,
    context: StateInitializationContext,
  ) {
    const keyed: KeyedStateInfo | undefined = context.keyed;
    this.keySelectors = keyed?.keySelectors ?? [];
    if (keyed !== undefined) {
      const backend = new HeapKeyedStateBackend({
        maxParallelism: keyed.maxParallelism,
        keyGroupRange: keyed.keyGroupRange,
        ...(context.clock ? { clock: context.clock } : {}),
      });
      if (context.restoredState) backend.restore(context.restoredState.keyed);
      this.keyedStateBackend = backend;
      if (context.processingTimeService) this.timeServiceManager = new InternalTimeServiceManager(backend, context.processingTimeService);
    }
    if (context.restoredState?.operator) this.operatorStateStore.restore(context.restoredState.operator);
  }

  get isKeyed(): boolean {
    return this.keyedStateBackend !== undefined;
  }

  /** Makes the key of `value` (by the selector of its input) current; inputs without a selector leave the key as is. */
  setKeyContextElement(value: unknown, inputIndex: number): void {
    const selector = this.keySelectors[inputIndex];
    const backend = this.keyedStateBackend;
    if (selector === undefined || backend === undefined) return;
    backend.setCurrentKey(selector(value));
  }

  /**
   * A timer service of this operator; timers need a keyed operator, as in Flink (the message is
   * Flink's, with the operator named).
   */
  getInternalTimerService<K, N>(
    name: string,
    triggerable: Triggerable<K, N>,
    namespaceSerializer?: NamespaceSerializer<N>,
  ): HeapInternalTimerService<K, N> {
    if (this.timeServiceManager === undefined) {
      throw new SpindleError(`${this.operatorName}: Setting timers is only supported on a keyed streams.`, {
        code: 'TIMERS_NOT_KEYED',
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    }
    return this.timeServiceManager.getInternalTimerService(name, triggerable, namespaceSerializer);
  }

  /**
   * Fires the event-time timers up to `mark` (each with its key current). In BATCH the end of input
   * (`Watermark.MAX`) also fires every processing-time timer, as Flink does.
   */
  advanceWatermark(mark: Watermark, runtimeMode: RuntimeMode): void {
    const timers = this.timeServiceManager;
    if (timers === undefined) return;
    timers.advanceWatermark(mark);
    if (runtimeMode === 'BATCH' && mark === Watermark.MAX) timers.advanceProcessingTime(Number.POSITIVE_INFINITY);
  }

  /** Leaves the keyed context: state used after this (finish, close) fails with NO_KEY_CONTEXT. */
  clearKeyContext(): void {
    this.keyedStateBackend?.clearCurrentKey();
  }

  snapshot(): OperatorStateSnapshot {
    const snapshot: OperatorStateSnapshot = { operator: this.operatorStateStore.snapshot() };
    if (this.keyedStateBackend) snapshot.keyed = this.keyedStateBackend.snapshot();
    return snapshot;
  }

  close(): void {
    this.timeServiceManager?.close();
  }
}
