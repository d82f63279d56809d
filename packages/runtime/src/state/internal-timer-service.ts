import type { Cancellable } from '@spindle/core';
import type { HeapKeyedStateBackend } from './heap-keyed-state-backend.js';
import type { TimerScheduling } from './processing-time-service.js';
import { KEY_CODEC_NAMESPACES, type NamespaceSerializer } from './state-table.js';
import type { InternalTimer, KeyGroupedTimerQueue, TimerEntry } from './timer-queue.js';

/** What fires timers: the operator (Flink's Triggerable). The timer's key is current during the call. */
export interface Triggerable<K = unknown, N = unknown> {
  onEventTime(timer: InternalTimer<K, N>): void;
  onProcessingTime(timer: InternalTimer<K, N>): void;
}

/**
 * Timers of one operator, scoped to the backend's current key and a namespace (undefined unless
 * given, e.g. a window), as Flink's InternalTimerService. Registering the same (key, namespace,
 * time) twice queues one timer; a deleted timer never fires. Timers live in the keyed state backend
 * (per key group) and are part of its snapshots.
 */
export interface InternalTimerService<N = unknown> {
  currentProcessingTime(): number;
  /** The last watermark given to advanceWatermark; -Infinity before the first. */
  currentWatermark(): number;
  registerEventTimeTimer(timestamp: number, namespace?: N): void;
  registerProcessingTimeTimer(timestamp: number, namespace?: N): void;
  deleteEventTimeTimer(timestamp: number, namespace?: N): void;
  deleteProcessingTimeTimer(timestamp: number, namespace?: N): void;
  numEventTimeTimers(): number;
  numProcessingTimeTimers(): number;
}

/**
 * The heap implementation. Processing-time timers are armed one at a time: only the earliest
 * queued timer is scheduled with the ProcessingTimeService; when it fires, every timer due by then
 * fires in time order and the next one is armed. Firing is reentrant-safe: a callback may register
 * or delete timers (a new timer that is already due fires in the same round).
 */
export class HeapInternalTimerService<K = unknown, N = unknown> implements InternalTimerService<N> {
  private readonly eventTimers: KeyGroupedTimerQueue;
  private readonly processingTimers: KeyGroupedTimerQueue;
  private watermark = Number.NEGATIVE_INFINITY;
  private armed: { timestamp: number; handle: Cancellable } | undefined;
  private firingProcessingTime = false;
  private closed = false;
  private readonly contexts = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly backend: HeapKeyedStateBackend,
    private readonly processingTimeService: TimerScheduling,
    private readonly triggerable: Triggerable<K, N>,
    private readonly namespaces: NamespaceSerializer<N> = KEY_CODEC_NAMESPACES as NamespaceSerializer<N>,
  ) {
    const decode = (encoded: string) => (encoded === 'u' ? undefined : namespaces.decode(encoded));
    this.eventTimers = backend.timerQueue(`${name}/event`, decode);
    this.processingTimers = backend.timerQueue(`${name}/processing`, decode);
    this.arm();
  }

  currentProcessingTime(): number {
    return this.processingTimeService.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(timestamp: number, namespace?: N): void {
    this.add(this.eventTimers, timestamp, namespace, 'registerEventTimeTimer');
  }

  registerProcessingTimeTimer(timestamp: number, namespace?: N): void {
    if (this.add(this.processingTimers, timestamp, namespace, 'registerProcessingTimeTimer')) this.arm();
  }

  deleteEventTimeTimer(timestamp: number, namespace?: N): void {
    this.remove(this.eventTimers, timestamp, namespace, 'deleteEventTimeTimer');
  }

  deleteProcessingTimeTimer(timestamp: number, namespace?: N): void {
    this.remove(this.processingTimers, timestamp, namespace, 'deleteProcessingTimeTimer');
  }

  numEventTimeTimers(): number {
    return this.eventTimers.size;
  }

  numProcessingTimeTimers(): number {
    return this.processingTimers.size;
  }

  /** Fires, in time order, every event-time timer at or before `watermark`, each with its key current. */
  advanceWatermark(watermark: number): void {
    this.watermark = watermark;
    for (let t = this.eventTimers.peek(); t !== undefined && t.timestamp <= watermark; t = this.eventTimers.peek()) {
      this.eventTimers.poll();
      this.fire(t, 'event');
    }
  }

  /**
   * Fires every processing-time timer at or before `time` now, as the clock would (BATCH fires them
   * all at the end of input with `time` = +Infinity, as Flink does).
   */
  advanceProcessingTime(time: number): void {
    this.armed?.handle.cancel();
    this.onProcessingTime(time);
  }

  /** Cancels the armed processing-time timer; queued timers stay in the backend (idempotent). */
  close(): void {
    this.closed = true;
    this.armed?.handle.cancel();
    this.armed = undefined;
  }

  private onProcessingTime(time: number): void {
    this.armed = undefined;
    this.firingProcessingTime = true;
    try {
      for (let t = this.processingTimers.peek(); t !== undefined && t.timestamp <= time; t = this.processingTimers.peek()) {
        this.processingTimers.poll();
        this.fire(t, 'processing');
      }
    } finally {
      this.firingProcessingTime = false;
      this.arm();
    }
  }

  /** Schedules the earliest processing-time timer unless it, or an earlier time, is scheduled already. */
  private arm(): void {
    if (this.closed || this.firingProcessingTime) return;
    const head = this.processingTimers.peek();
    if (head === undefined || (this.armed !== undefined && this.armed.timestamp <= head.timestamp)) return;
    this.armed?.handle.cancel();
    const timestamp = head.timestamp;
    this.armed = { timestamp, handle: this.processingTimeService.registerTimer(timestamp, (time) => this.onProcessingTime(time)) };
  }

  /** The entry is the current key and the timer handed out: nothing allocated per timer. */
  private fire(t: TimerEntry, kind: 'event' | 'processing'): void {
    this.backend.setCurrentKeyResolved(t);
    const timer = t as InternalTimer<K, N>;
    if (kind === 'event') this.triggerable.onEventTime(timer);
    else this.triggerable.onProcessingTime(timer);
  }

  private add(queue: KeyGroupedTimerQueue, timestamp: number, namespace: N | undefined, what: string): boolean {
    checkTimestamp(timestamp);
    const current = this.backend.currentKeyOrThrow(this.contextOf(what));
    return queue.add(timestamp, current.key, current.encodedKey, current.keyGroup, namespace, this.encodeNamespace(namespace));
  }

  private remove(queue: KeyGroupedTimerQueue, timestamp: number, namespace: N | undefined, what: string): void {
    const current = this.backend.currentKeyOrThrow(this.contextOf(what));
    queue.remove(timestamp, current.encodedKey, current.keyGroup, this.encodeNamespace(namespace));
  }

  /** What an error without a current key names, e.g. `registerEventTimeTimer of timer service 'x'`: built once per call kind. */
  private contextOf(what: string): string {
    let context = this.contexts.get(what);
    if (context === undefined) this.contexts.set(what, (context = `${what} of timer service '${this.name}'`));
    return context;
  }

  /** Timers without a namespace keep the key codec's encoding of undefined whatever the serializer. */
  private encodeNamespace(namespace: N | undefined): string {
    return namespace === undefined ? 'u' : this.namespaces.encode(namespace);
  }
}

function checkTimestamp(timestamp: number): void {
  if (typeof timestamp !== 'number' || Number.isNaN(timestamp))
    throw new TypeError(`a timer needs a numeric timestamp, got ${String(timestamp)}`);
}

/**
 * The timer services of one operator by name (Flink's InternalTimeServiceManager): the operator
 * asks for its services in `open`, and the task forwards watermarks to all of them.
 */
export class InternalTimeServiceManager {
  private readonly services = new Map<string, HeapInternalTimerService<never, never>>();

  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly processingTimeService: TimerScheduling,
  ) {}

  getInternalTimerService<K, N>(
    name: string,
    triggerable: Triggerable<K, N>,
    namespaceSerializer?: NamespaceSerializer<N>,
  ): HeapInternalTimerService<K, N> {
    const existing = this.services.get(name);
    if (existing !== undefined) return existing;
    const service = new HeapInternalTimerService<K, N>(name, this.backend, this.processingTimeService, triggerable, namespaceSerializer);
    this.services.set(name, service as unknown as HeapInternalTimerService<never, never>);
    return service;
  }

  advanceWatermark(watermark: number): void {
    for (const s of this.services.values()) s.advanceWatermark(watermark);
  }

  advanceProcessingTime(time: number): void {
    for (const s of this.services.values()) s.advanceProcessingTime(time);
  }

  close(): void {
    for (const s of this.services.values()) s.close();
  }
}
