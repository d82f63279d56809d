import type {
  HeapInternalTimerService,
  HeapKeyedStateBackend,
  InternalKvState,
  InternalMergingState,
  StateDescriptor,
} from '@spindle/runtime/task';
import type { OutputTag } from '../functions/process-function.js';
import type { OnMergeContext, Trigger, TriggerResult } from './triggers.js';
import type { KeyedStateStore } from '../functions/rich-functions.js';
import type { ProcessWindowContext } from './window-functions.js';
import { WINDOW_NAMESPACES, type Window } from './windows.js';

/** A keyed state of the backend scoped to a window namespace (undefined: the key's default namespace). */
export function windowScopedState<S>(
  backend: HeapKeyedStateBackend,
  descriptor: StateDescriptor<S, unknown>,
  window: Window | undefined,
): S {
  const state = backend.getPartitionedState(descriptor, WINDOW_NAMESPACES);
  (state as InternalKvState).setCurrentNamespace(window);
  return state;
}

/** A KeyedStateStore whose states are scoped to `namespace()` of the current key. */
export function keyedStateStore(backend: HeapKeyedStateBackend, namespace: () => Window | undefined): KeyedStateStore {
  const get = <S>(d: StateDescriptor<S, unknown>): S => windowScopedState(backend, d, namespace());
  return { getState: get, getListState: get, getMapState: get, getReducingState: get, getAggregatingState: get };
}

/**
 * The context a trigger is called with (Flink's WindowOperator.Context): time, timers in the
 * current window's namespace, and state scoped to the current window. One object per operator,
 * pointed at a window before each call.
 */
export class WindowTriggerContext implements OnMergeContext {
  window: Window | undefined;
  mergedWindows: readonly Window[] = [];

  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly timers: HeapInternalTimerService<unknown, Window>,
    private readonly trigger: Trigger<unknown, Window>,
  ) {}

  private get current(): Window {
    if (this.window === undefined) throw new Error('trigger called without a window');
    return this.window;
  }

  getCurrentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }

  getCurrentWatermark(): number {
    return this.timers.currentWatermark();
  }

  registerProcessingTimeTimer(time: number): void {
    this.timers.registerProcessingTimeTimer(time, this.current);
  }

  registerEventTimeTimer(time: number): void {
    this.timers.registerEventTimeTimer(time, this.current);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.timers.deleteProcessingTimeTimer(time, this.current);
  }

  deleteEventTimeTimer(time: number): void {
    this.timers.deleteEventTimeTimer(time, this.current);
  }

  getPartitionedState<S>(descriptor: StateDescriptor<S, unknown>): S {
    return windowScopedState(this.backend, descriptor, this.current);
  }

  mergePartitionedState(descriptor: StateDescriptor<unknown, unknown>): void {
    if (this.mergedWindows.length === 0) return;
    const state = this.backend.getPartitionedState(descriptor, WINDOW_NAMESPACES) as Partial<InternalMergingState>;
    if (typeof state.mergeNamespaces !== 'function') throw new TypeError(`trigger state '${descriptor.name}' cannot be merged`);
    state.mergeNamespaces(this.current, this.mergedWindows);
  }

  onElement(element: unknown, timestamp: number | undefined): TriggerResult {
    return this.trigger.onElement(element, timestamp, this.current, this);
  }

  onEventTime(time: number): TriggerResult {
    return this.trigger.onEventTime(time, this.current, this);
  }

  onProcessingTime(time: number): TriggerResult {
    return this.trigger.onProcessingTime(time, this.current, this);
  }

  onMerge(mergedWindows: readonly Window[]): void {
    this.mergedWindows = mergedWindows;
    try {
      this.trigger.onMerge(this.current, this);
    } finally {
      this.mergedWindows = [];
    }
  }

  clear(): void {
    this.trigger.clear(this.current, this);
  }
}

/** The context of a window function's call (ProcessWindowFunction.Context), pointed at a window before each call. */
export class WindowProcessContext implements ProcessWindowContext<Window> {
  current: Window | undefined;
  private readonly perWindow: KeyedStateStore;
  private readonly global: KeyedStateStore;

  constructor(
    backend: HeapKeyedStateBackend,
    private readonly timers: HeapInternalTimerService<unknown, Window>,
    private readonly sideOutput: (tag: string, value: unknown, timestamp: number) => void,
  ) {
    this.perWindow = keyedStateStore(backend, () => this.window());
    this.global = keyedStateStore(backend, () => undefined);
  }

  window(): Window {
    if (this.current === undefined) throw new Error('window function called without a window');
    return this.current;
  }

  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.timers.currentWatermark();
  }

  windowState(): KeyedStateStore {
    return this.perWindow;
  }

  globalState(): KeyedStateStore {
    return this.global;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    this.sideOutput(outputTag.id, value, this.window().maxTimestamp());
  }
}
