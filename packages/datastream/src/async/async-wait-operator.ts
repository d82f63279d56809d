import { SpindleError } from '@spindle/core';
import {
  ListStateDescriptor,
  type AvailabilityProvider,
  type ListState,
  type OperatorContext,
  type OperatorStateSnapshot,
  type StateInitializationContext,
  type StateSnapshotContext,
  type Watermark,
} from '@spindle/runtime/task';
import { formatRecord } from '../sinks/format.js';
import { AbstractUdfStreamOperator } from '../operators/udf-operator.js';
import { AsyncTimeoutError, type AsyncFunction, type AsyncRetryStrategy, type ResultFuture } from './async-function.js';

export type AsyncOutputMode = 'ORDERED' | 'UNORDERED';

export interface AsyncWaitOptions {
  mode: AsyncOutputMode;
  /** Milliseconds an input's call (with its retries) may take; 0 for no limit. */
  timeoutMs: number;
  /** Inputs in flight at most; the operator takes no more input while that many wait. */
  capacity: number;
  retry?: AsyncRetryStrategy<unknown>;
}

/** One input in flight: its call's answer, and which call (`token`) may still answer. */
interface Entry {
  readonly input: unknown;
  readonly timestamp: number | undefined;
  readonly segment: Segment;
  results: unknown[] | undefined;
  done: boolean;
  /** Whether its call started (an input beyond `capacity` calls waits for one to answer). */
  started: boolean;
  /** Retries made so far. */
  attempts: number;
  token: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The inputs between two watermarks: none of them is emitted after the watermark that closes it. */
interface Segment {
  readonly entries: Entry[];
  /** UNORDERED: entries done and not emitted yet, in the order they completed. */
  readonly ready: Entry[];
  open: number;
  closing: Watermark | undefined;
}

type Event =
  | { kind: 'answer'; entry: Entry; token: number; results?: unknown[]; error?: unknown; failed: boolean }
  | { kind: 'timeout'; entry: Entry }
  | { kind: 'retry'; entry: Entry; token: number };

type Saved = { v: unknown; t?: number } | { w: number };

const STATE_NAME = '_async_wait_operator_state_';

/**
 * Async I/O (Flink's AsyncWaitOperator): calls the async function for each input and emits its
 * answers with the input's timestamp, in input order (ORDERED) or as they complete (UNORDERED;
 * never across a watermark, which waits for every input before it). At most `capacity` calls run
 * at once, and while `capacity` inputs wait to be emitted the task takes no more input
 * (backpressure; inputs an upstream operator of the chain emits meanwhile wait for their call
 * to start). Answers come back on the
 * task's thread as mails. A call that takes longer than the timeout gets the function's
 * `timeout()`, which fails the job by default; a retry strategy calls again after a delay when an
 * answer or failure matches its predicates. The inputs in flight are part of the checkpoint
 * (operator list state) and are called again after a restore. At the end of input the operator
 * waits for every call before it finishes.
 */
export class AsyncWaitOperator extends AbstractUdfStreamOperator<AsyncFunction<unknown, unknown>> implements AvailabilityProvider {
  private segments: Segment[] = [newSegment()];
  /** Inputs taken and not emitted yet. */
  private queued = 0;
  /** Inputs whose call started and has not answered. */
  private calling = 0;
  /** Inputs waiting for their call to start, in order. */
  private waiting: Entry[] = [];
  private events: Event[] = [];
  private drainQueued = false;
  private finishing = false;
  private wake: (() => void) | undefined;
  private availabilityWaiters: Array<() => void> = [];
  private saved!: ListState<Saved>;
  private restored: Saved[] | undefined;
  private invoke!: (input: unknown, future: ResultFuture<unknown>) => unknown;
  private onTimeout!: (input: unknown, future: ResultFuture<unknown>) => void;

  constructor(
    fn: AsyncFunction<unknown, unknown>,
    private readonly options: AsyncWaitOptions,
  ) {
    super(fn);
  }

  override async initializeState(context: StateInitializationContext): Promise<void> {
    await super.initializeState(context);
    this.saved = this.operatorStateStore.getListState(new ListStateDescriptor<Saved>(STATE_NAME));
    if (context.isRestored) this.restored = this.saved.get();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const fn = this.userFunction;
    if (typeof fn === 'function') {
      this.invoke = (input, future) => fn(input, future);
      this.onTimeout = defaultTimeout;
    } else {
      this.invoke = (input, future) => fn.asyncInvoke(input, future);
      this.onTimeout = fn.timeout ? (input, future) => fn.timeout!(input, future) : defaultTimeout;
    }
    // Inputs in flight at the restored checkpoint are called again, in their order.
    for (const s of this.restored ?? []) {
      if ('w' in s) this.processWatermark(s.w, 0);
      else this.processElement(s.v, 0, s.t);
    }
    this.restored = undefined;
  }

  processElement(value: unknown, _inputIndex: number, timestamp?: number): void {
    const segment = this.segments[this.segments.length - 1]!;
    const entry: Entry = {
      input: value,
      timestamp,
      segment,
      results: undefined,
      done: false,
      started: false,
      attempts: 0,
      token: 0,
      timer: undefined,
      retryTimer: undefined,
    };
    segment.entries.push(entry);
    segment.open++;
    this.queued++;
    // An upstream operator of the chain may emit many records per input: calls beyond the
    // capacity wait (the task takes no more input meanwhile), so at most `capacity` are made at once.
    if (this.calling < this.options.capacity) this.start(entry);
    else this.waiting.push(entry);
  }

  private start(entry: Entry): void {
    entry.started = true;
    this.calling++;
    const { timeoutMs } = this.options;
    if (timeoutMs > 0) entry.timer = setTimeout(() => this.post({ kind: 'timeout', entry }), timeoutMs);
    this.call(entry);
  }

  override processWatermark(mark: Watermark, _inputIndex: number): void {
    if (this.queued === 0 && this.segments.length === 1) {
      this.onWatermark(mark);
      return;
    }
    this.segments[this.segments.length - 1]!.closing = mark;
    this.segments.push(newSegment());
  }

  isAvailable(): boolean {
    return this.queued < this.options.capacity;
  }

  whenAvailable(): Promise<void> {
    if (this.isAvailable()) return Promise.resolve();
    return new Promise((resolve) => this.availabilityWaiters.push(resolve));
  }

  /** Waits for every call in flight (the task runs no mails now, so answers are taken here). */
  override async finish(): Promise<void> {
    this.finishing = true;
    this.drain();
    const aborted = new Promise<void>((resolve) => this.ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    while (this.queued > 0 || this.segments.length > 1) {
      if (this.events.length > 0) {
        this.drain();
        continue;
      }
      if (this.ctx.signal.aborted) return;
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), aborted]);
      this.wake = undefined;
    }
    await super.finish();
  }

  override snapshotState(context: StateSnapshotContext): OperatorStateSnapshot | void | Promise<OperatorStateSnapshot | void> {
    const saved: Saved[] = [];
    for (const segment of this.segments) {
      // Every entry still listed is not emitted yet, whether or not its call answered.
      for (const e of segment.entries) saved.push(e.timestamp === undefined ? { v: e.input } : { v: e.input, t: e.timestamp });
      if (segment.closing !== undefined) saved.push({ w: segment.closing });
    }
    this.saved.update(saved);
    return super.snapshotState(context);
  }

  override async close(): Promise<void> {
    for (const segment of this.segments) {
      for (const e of segment.entries) {
        clearTimeout(e.timer);
        clearTimeout(e.retryTimer);
      }
    }
    await super.close();
  }

  /** Starts a call of the function for `entry`; its answer comes back as an event. */
  private call(entry: Entry): void {
    const token = ++entry.token;
    const future = this.futureFor(entry, token);
    try {
      const returned = this.invoke(entry.input, future);
      if (isThenable(returned)) {
        returned.then(
          (results) => {
            if (results !== undefined && results !== null) future.complete(results as Iterable<unknown>);
          },
          (error: unknown) => future.completeExceptionally(error),
        );
      }
    } catch (error) {
      future.completeExceptionally(error);
    }
  }

  private futureFor(entry: Entry, token: number): ResultFuture<unknown> {
    let settled = false;
    return {
      complete: (results) => {
        if (settled) return;
        settled = true;
        let list: unknown[];
        try {
          list = Array.from(results);
        } catch (error) {
          this.post({ kind: 'answer', entry, token, error, failed: true });
          return;
        }
        this.post({ kind: 'answer', entry, token, results: list, failed: false });
      },
      completeExceptionally: (error) => {
        if (settled) return;
        settled = true;
        this.post({ kind: 'answer', entry, token, error, failed: true });
      },
    };
  }

  /** Hands an event to the task's thread: as a mail, or to finish() while it waits. */
  private post(event: Event): void {
    this.events.push(event);
    if (this.finishing) {
      this.wake?.();
      return;
    }
    if (this.drainQueued) return;
    this.drainQueued = true;
    this.ctx.mailboxExecutor.execute('async I/O results', () => {
      this.drainQueued = false;
      this.drain();
    });
  }

  private drain(): void {
    const events = this.events;
    this.events = [];
    for (const event of events) this.handle(event);
    while (this.waiting.length > 0 && this.calling < this.options.capacity) this.start(this.waiting.shift()!);
    this.emitReady();
    if (this.isAvailable() && this.availabilityWaiters.length > 0) {
      const waiters = this.availabilityWaiters;
      this.availabilityWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private handle(event: Event): void {
    const { entry } = event;
    if (entry.done) return;
    if (event.kind === 'timeout') {
      clearTimeout(entry.retryTimer);
      // Later answers of calls started before the timeout no longer count.
      const token = ++entry.token;
      const future = this.futureFor(entry, token);
      try {
        this.onTimeout(entry.input, future);
      } catch (error) {
        future.completeExceptionally(error);
      }
      entry.attempts = Infinity;
      return;
    }
    if (event.token !== entry.token) return;
    if (event.kind === 'retry') {
      this.call(entry);
      return;
    }
    if (this.shouldRetry(entry, event)) {
      entry.attempts++;
      const delay = Math.max(0, this.options.retry!.getBackoffTimeMillis(entry.attempts));
      const token = entry.token;
      entry.retryTimer = setTimeout(() => this.post({ kind: 'retry', entry, token }), delay);
      return;
    }
    if (event.failed) throw this.failure(entry, event.error);
    clearTimeout(entry.timer);
    entry.done = true;
    entry.results = event.results;
    entry.segment.open--;
    this.queued--;
    this.calling--;
    if (this.options.mode === 'UNORDERED') entry.segment.ready.push(entry);
  }

  private shouldRetry(entry: Entry, event: Extract<Event, { kind: 'answer' }>): boolean {
    const retry = this.options.retry;
    if (retry === undefined || !retry.canRetry(entry.attempts + 1)) return false;
    const predicate = retry.getRetryPredicate();
    return event.failed ? predicate.exceptionPredicate?.(event.error) === true : predicate.resultPredicate?.(event.results!) === true;
  }

  /** Emits what may go now: answers in order (or as completed) up to the first input still waiting, and the watermarks they held. */
  private emitReady(): void {
    const ordered = this.options.mode === 'ORDERED';
    for (;;) {
      const segment = this.segments[0]!;
      if (ordered) {
        let n = 0;
        while (n < segment.entries.length && segment.entries[n]!.done) this.emit(segment.entries[n++]!);
        if (n > 0) segment.entries.splice(0, n);
      } else if (segment.ready.length > 0) {
        for (const e of segment.ready) this.emit(e);
        segment.ready.length = 0;
        if (segment.open === 0) segment.entries.length = 0;
        else segment.entries.splice(0, segment.entries.length, ...segment.entries.filter((e) => !e.done));
      }
      if (segment.open > 0 || segment.closing === undefined || this.segments.length === 1) return;
      this.segments.shift();
      this.onWatermark(segment.closing);
    }
  }

  private emit(entry: Entry): void {
    for (const result of entry.results!) this.out.collect(result, entry.timestamp);
    entry.results = undefined;
  }

  private failure(entry: Entry, error: unknown): unknown {
    if (error instanceof AsyncTimeoutError) {
      return new SpindleError(
        `Async function call has timed out after ${this.options.timeoutMs} ms for input ${preview(entry.input)}: ` +
          'raise the timeout given to AsyncDataStream, or complete the call in the function’s timeout()',
        { code: 'ASYNC_TIMEOUT', userFacing: true, recoverability: 'recoverable', cause: error },
      );
    }
    return error;
  }
}

function newSegment(): Segment {
  return { entries: [], ready: [], open: 0, closing: undefined };
}

function defaultTimeout(_input: unknown, future: ResultFuture<unknown>): void {
  future.completeExceptionally(new AsyncTimeoutError());
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';
}

function preview(value: unknown): string {
  const text = formatRecord(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}
