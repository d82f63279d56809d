import {
  ListStateDescriptor,
  SimpleCounter,
  type HeapInternalTimerService,
  type HeapKeyedStateBackend,
  type InternalTimer,
  type Counter,
  type ListState,
  type OperatorContext,
  type Triggerable,
} from '@spindle/runtime/task';
import { TimestampedCollector } from '../operators/basic-operators.js';
import { AbstractUdfStreamOperator } from '../operators/udf-operator.js';
import { isMergingAssigner, type WindowAssigner, type WindowAssignerContext } from './assigners.js';
import type { Evictor, EvictorContext } from './evictors.js';
import { MergingWindowSet } from './merging-window-set.js';
import { isFire, isPurge, type Trigger, type TriggerResult } from './triggers.js';
import { WindowProcessContext, WindowTriggerContext } from './window-contexts.js';
import { windowContentsState, type WindowContentsState } from './window-contents.js';
import { SlicedWindows, sliceGeometry } from './window-slices.js';
import type { InternalWindowFunction, WindowContents } from './window-functions.js';
import { GlobalWindow, WINDOW_NAMESPACES, type Window } from './windows.js';

/** How a window operator is built (WindowedStream fills it in). */
export interface WindowOperatorSpec {
  assigner: WindowAssigner<unknown, Window>;
  trigger: Trigger<unknown, Window>;
  evictor: Evictor<unknown, Window> | undefined;
  contents: WindowContents;
  /** Milliseconds of event time a window is kept after its end for late elements (0 for processing time). */
  allowedLateness: number;
  /** The side output id for late elements, if any. */
  lateDataTag: string | undefined;
}

/**
 * The window operator (Flink's WindowOperator and EvictingWindowOperator): assigns each element
 * of the current key to windows, keeps each window's contents in the keyed state backend in the
 * window's namespace, asks the trigger when to fire and purge, and removes a window with its
 * trigger state when event time (processing time) passes its end plus the allowed lateness —
 * all in keyed state and timers, so windows are checkpointed and rescaled like any state.
 *
 * An element is late when every window it belongs to is already cleaned up: it goes to the
 * late-data side output, or is counted in `numLateRecordsDropped` and dropped.
 */
export class WindowOperator extends AbstractUdfStreamOperator<unknown> implements Triggerable<unknown, Window> {
  private readonly internal: InternalWindowFunction;
  private backend!: HeapKeyedStateBackend;
  private timers!: HeapInternalTimerService<unknown, Window>;
  private contents!: WindowContentsState;
  private mergingSets: ListState<[string, string]> | undefined;
  private triggerContext!: WindowTriggerContext;
  private processContext!: WindowProcessContext;
  private collector!: TimestampedCollector;
  private assignerContext!: WindowAssignerContext;
  private evictorContext!: EvictorContext;
  private lateDropped: Counter = new SimpleCounter();
  /** Event-time tumbling and sliding windows with the default trigger: kept as slices (see SlicedWindows). */
  private sliced: SlicedWindows | undefined;

  constructor(
    private readonly spec: WindowOperatorSpec,
    userFunction: unknown,
    internalFunction: (fn: unknown) => InternalWindowFunction,
  ) {
    super(userFunction);
    this.internal = internalFunction(this.userFunction);
  }

  /** Elements dropped as late (Flink's `numLateRecordsDropped` operator metric). */
  get numLateRecordsDropped(): number {
    return this.lateDropped.getCount();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const backend = this.keyedStateBackend;
    if (backend === undefined) throw new Error(`${ctx.operatorName}: a window operator needs a keyed input`);
    if (ctx.metricGroup) this.lateDropped = ctx.metricGroup.counter('numLateRecordsDropped');
    this.backend = backend;
    this.timers = this.getInternalTimerService('window-timers', this, WINDOW_NAMESPACES);
    this.triggerContext = new WindowTriggerContext(backend, this.timers, this.spec.trigger);
    this.processContext = new WindowProcessContext(backend, this.timers, (tag, v, ts) => this.ctx.sideOutputs?.get(tag)?.collect(v, ts));
    this.collector = new TimestampedCollector(this.out);
    const time = ctx.processingTimeService;
    this.assignerContext = { getCurrentProcessingTime: () => time.currentProcessingTime() };
    const { assigner, trigger, evictor, contents } = this.spec;
    const geometry = sliceGeometry(assigner, trigger, evictor, contents);
    if (geometry !== undefined) {
      this.sliced = new SlicedWindows(backend, this.timers, geometry, contents, this.spec.allowedLateness, {
        emit: (window, input) => this.emitWindowContents(window, input),
        clear: (window) => {
          this.processContext.current = window;
          this.internal.clear(window, this.processContext);
        },
        late: (value, timestamp) => this.lateElement(value, timestamp),
      });
      return;
    }
    this.contents = windowContentsState(backend, this.spec.contents, this.spec.evictor);
    if (isMergingAssigner(this.spec.assigner)) {
      this.mergingSets = backend.getPartitionedState(new ListStateDescriptor<[string, string]>('merging-window-set'));
    }
    this.evictorContext = {
      getCurrentProcessingTime: () => time.currentProcessingTime(),
      getCurrentWatermark: () => this.timers.currentWatermark(),
    };
  }

  processElement(value: unknown, _inputIndex: number, timestamp?: number): void {
    const sliced = this.sliced;
    if (sliced !== undefined) {
      // Event-time assigners raise their error for an element without a timestamp.
      if (timestamp === undefined) this.spec.assigner.assignWindows(value, timestamp, this.assignerContext);
      else sliced.processElement(value, timestamp);
      return;
    }
    const windows = this.spec.assigner.assignWindows(value, timestamp, this.assignerContext);
    const skipped =
      this.mergingSets === undefined ? this.addToWindows(windows, value, timestamp) : this.addToMergingWindows(windows, value, timestamp);
    if (skipped && this.isElementLate(timestamp)) this.lateElement(value, timestamp);
  }

  private lateElement(value: unknown, timestamp: number | undefined): void {
    const tag = this.spec.lateDataTag;
    if (tag !== undefined) this.ctx.sideOutputs?.get(tag)?.collect(value, timestamp);
    else this.lateDropped.inc();
  }

  /** True when every window was late. */
  private addToWindows(windows: Window[], value: unknown, timestamp: number | undefined): boolean {
    let skipped = true;
    for (const window of windows) {
      if (this.isWindowLate(window)) continue;
      skipped = false;
      this.contents.setCurrentNamespace(window);
      this.contents.add(value, timestamp);
      this.triggerContext.window = window;
      this.act(this.triggerContext.onElement(value, timestamp), window);
      this.registerCleanupTimer(window);
    }
    return skipped;
  }

  private addToMergingWindows(windows: Window[], value: unknown, timestamp: number | undefined): boolean {
    const set = this.mergingWindowSet();
    let skipped = true;
    for (const window of windows) {
      const actual = set.addWindow(window, (mergeResult, merged, stateWindowResult, mergedStateWindows) => {
        this.triggerContext.window = mergeResult;
        this.triggerContext.onMerge(merged);
        const mergeKey = WINDOW_NAMESPACES.encode(mergeResult);
        for (const m of merged) {
          if (WINDOW_NAMESPACES.encode(m) === mergeKey) continue;
          this.triggerContext.window = m;
          this.triggerContext.clear();
          this.deleteCleanupTimer(m);
        }
        this.contents.mergeNamespaces(stateWindowResult, mergedStateWindows);
      });
      if (this.isWindowLate(actual)) {
        set.retireWindow(actual);
        continue;
      }
      skipped = false;
      const stateWindow = set.getStateWindow(actual)!;
      this.contents.setCurrentNamespace(stateWindow);
      this.contents.add(value, timestamp);
      this.triggerContext.window = actual;
      this.act(this.triggerContext.onElement(value, timestamp), actual);
      this.registerCleanupTimer(actual);
    }
    set.persist();
    return skipped;
  }

  onEventTime(timer: InternalTimer<unknown, Window>): void {
    if (this.sliced !== undefined) this.sliced.onEventTime(timer.timestamp);
    else this.onTimer(timer, true);
  }

  onProcessingTime(timer: InternalTimer<unknown, Window>): void {
    this.onTimer(timer, false);
  }

  private onTimer(timer: InternalTimer<unknown, Window>, eventTime: boolean): void {
    const window = timer.namespace;
    const set = this.mergingSets === undefined ? undefined : this.mergingWindowSet();
    const stateWindow = set === undefined ? window : set.getStateWindow(window);
    // A timer of a window that merged into another or was purged: nothing to do.
    if (stateWindow === undefined) return;
    this.contents.setCurrentNamespace(stateWindow);
    this.triggerContext.window = window;
    const result = eventTime ? this.triggerContext.onEventTime(timer.timestamp) : this.triggerContext.onProcessingTime(timer.timestamp);
    this.act(result, window);
    if (eventTime === this.spec.assigner.isEventTime() && timer.timestamp === this.cleanupTime(window)) this.clearAllState(window, set);
    set?.persist();
  }

  /** Fires and/or purges the window as the trigger said; the contents' namespace is the window's state window. */
  private act(result: TriggerResult, window: Window): void {
    if (isFire(result)) {
      const input = this.contents.fire(window, this.evictorContext);
      if (input !== undefined) this.emitWindowContents(window, input);
    }
    if (isPurge(result)) this.contents.clear();
  }

  private emitWindowContents(window: Window, input: unknown[]): void {
    this.collector.timestamp = window.maxTimestamp();
    this.processContext.current = window;
    this.internal.process(this.backend.getCurrentKey(), window, this.processContext, input, this.collector);
  }

  private clearAllState(window: Window, set: MergingWindowSet | undefined): void {
    this.contents.clear();
    this.triggerContext.window = window;
    this.triggerContext.clear();
    this.processContext.current = window;
    this.internal.clear(window, this.processContext);
    set?.retireWindow(window);
  }

  private mergingWindowSet(): MergingWindowSet {
    return new MergingWindowSet(this.spec.assigner as never, this.mergingSets!);
  }

  private isElementLate(timestamp: number | undefined): boolean {
    return (
      this.spec.assigner.isEventTime() && timestamp !== undefined && timestamp + this.spec.allowedLateness <= this.timers.currentWatermark()
    );
  }

  private isWindowLate(window: Window): boolean {
    return this.spec.assigner.isEventTime() && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  /** When the window's state goes: its end plus the allowed lateness in event time, its end in processing time. */
  private cleanupTime(window: Window): number {
    if (window instanceof GlobalWindow) return Number.POSITIVE_INFINITY;
    const max = window.maxTimestamp();
    return this.spec.assigner.isEventTime() ? max + this.spec.allowedLateness : max;
  }

  private registerCleanupTimer(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.spec.assigner.isEventTime()) this.timers.registerEventTimeTimer(time, window);
    else this.timers.registerProcessingTimeTimer(time, window);
  }

  private deleteCleanupTimer(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.spec.assigner.isEventTime()) this.timers.deleteEventTimeTimer(time, window);
    else this.timers.deleteProcessingTimeTimer(time, window);
  }
}
