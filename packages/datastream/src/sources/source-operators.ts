import {
  ListStateDescriptor,
  type ListState,
  type OperatorContext,
  type OperatorStateSnapshot,
  type SourceOperator,
  type SourceStatus,
  type StateInitializationContext,
  type StateSnapshotContext,
} from '@spindle/runtime/task';
import { AbstractOperator } from '../operators/basic-operators.js';

const BATCH = 1024;

/**
 * Base of sources: no input; `emitNext` produces a bounded batch. A source keeps its position in
 * one list state of its operator state (`positionState`): written on every checkpoint, and, when
 * the job restores a checkpoint, the position the source continues from (so it replays exactly
 * the records after it). The list is redistributed evenly when the parallelism changes.
 */
export abstract class AbstractSource<P = unknown> extends AbstractOperator implements SourceOperator {
  readonly isSource = true as const;
  private positions: ListState<P> | undefined;
  /** The positions of a restored checkpoint; undefined on a fresh start. */
  protected restoredPositions: P[] | undefined;

  processElement(): void {}

  abstract emitNext(): SourceStatus | Promise<SourceStatus>;

  /** What the source has left to read, as list elements (several after a rescale); undefined for sources without a position. */
  protected currentPositions(): P[] | undefined {
    return undefined;
  }

  override async initializeState(context: StateInitializationContext): Promise<void> {
    await super.initializeState(context);
    this.positions = this.operatorStateStore.getListState(new ListStateDescriptor<P>('source-positions'));
    if (context.isRestored) this.restoredPositions = this.positions.get();
  }

  override snapshotState(context: StateSnapshotContext): OperatorStateSnapshot | void | Promise<OperatorStateSnapshot | void> {
    const positions = this.currentPositions();
    if (positions !== undefined) this.positions?.update(positions);
    return super.snapshotState(context);
  }
}

/** Emits the elements of a collection, in order (parallelism 1); its position is the next index. */
export class CollectionSource extends AbstractSource<number> {
  private next = 0;

  constructor(private readonly elements: readonly unknown[]) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    if (this.restoredPositions !== undefined) this.next = this.restoredPositions[0] ?? this.elements.length;
  }

  protected override currentPositions(): number[] {
    return [this.next];
  }

  emitNext(): SourceStatus {
    const end = Math.min(this.elements.length, this.next + BATCH);
    for (; this.next < end; this.next++) this.out.collect(this.elements[this.next]);
    return this.next < this.elements.length ? 'more' : 'end';
  }
}

/**
 * The numbers from..to (inclusive), split into one contiguous range per subtask. Its position is
 * the rest of its range(s), `[next, last]`; a restored subtask may get several ranges, read in turn.
 */
export class SequenceSource extends AbstractSource<[number, number]> {
  private next = 0;
  private last = -1;
  private queued: Array<[number, number]> = [];

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const total = this.to - this.from + 1;
    const p = ctx.parallelism;
    const i = ctx.subtaskIndex;
    this.next = this.from + Math.floor((total * i) / p);
    this.last = this.from + Math.floor((total * (i + 1)) / p) - 1;
    if (this.restoredPositions !== undefined) {
      this.queued = this.restoredPositions.map(([next, last]): [number, number] => [next, last]);
      [this.next, this.last] = this.queued.shift() ?? [0, -1];
    }
  }

  emitNext(): SourceStatus {
    const end = Math.min(this.last, this.next + BATCH * 8 - 1);
    for (; this.next <= end; this.next++) this.out.collect(this.next);
    if (this.next <= this.last) return 'more';
    const range = this.queued.shift();
    if (range === undefined) return 'end';
    [this.next, this.last] = range;
    return 'more';
  }

  protected override currentPositions(): Array<[number, number]> {
    return [[this.next, this.last] as [number, number], ...this.queued].filter(([next, last]) => next <= last);
  }
}

export interface DataGeneratorOptions {
  /** Total records over all subtasks; unbounded when absent. */
  count?: number;
  /** Records per second over all subtasks; unlimited when absent. */
  recordsPerSecond?: number;
}

/**
 * Generates `generator(index)` for indexes 0, 1, 2, ...; subtask i takes i, i+p, i+2p, ...
 * The rate limit is shared evenly among subtasks. Its position is `[next index, stride]`; a
 * restored subtask continues each progression it gets, in turn.
 */
export class DataGeneratorSource extends AbstractSource<[number, number]> {
  private index = 0;
  private stride = 1;
  private queued: Array<[number, number]> = [];
  private emitted = 0;
  private started = 0;
  private rate = Infinity;

  constructor(
    private readonly generator: (index: number) => unknown,
    private readonly options: DataGeneratorOptions,
  ) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.index = ctx.subtaskIndex;
    this.stride = ctx.parallelism;
    if (this.restoredPositions !== undefined) {
      this.queued = this.restoredPositions.map(([index, stride]): [number, number] => [index, stride]);
      [this.index, this.stride] = this.queued.shift() ?? [Infinity, 1];
    }
    this.started = performance.now();
    if (this.options.recordsPerSecond !== undefined) this.rate = this.options.recordsPerSecond / ctx.parallelism;
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    const count = this.options.count ?? Infinity;
    const allowed = Math.min(BATCH, Math.floor(((performance.now() - this.started) / 1000) * this.rate) + 1 - this.emitted);
    if (allowed <= 0) {
      const waitMs = Math.max(1, ((this.emitted + 1) / this.rate) * 1000 - (performance.now() - this.started));
      return new Promise((resolve) => setTimeout(() => resolve('more'), waitMs));
    }
    for (let n = 0; n < allowed && this.index < count; n++) {
      this.out.collect(this.generator(this.index));
      this.index += this.stride;
      this.emitted++;
    }
    if (this.index < count) return 'more';
    const next = this.queued.shift();
    if (next === undefined) return 'end';
    [this.index, this.stride] = next;
    return 'more';
  }

  protected override currentPositions(): Array<[number, number]> {
    const count = this.options.count ?? Infinity;
    return [[this.index, this.stride] as [number, number], ...this.queued].filter(([index]) => index < count);
  }
}
