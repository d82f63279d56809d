import type { OperatorContext, SourceOperator, SourceStatus } from '@spindle/runtime/in-process';
import { AbstractOperator } from '../operators/basic-operators.js';

const BATCH = 1024;

/** Base of sources: no input; `emitNext` produces a bounded batch. */
export abstract class AbstractSource extends AbstractOperator implements SourceOperator {
  readonly isSource = true as const;

  processElement(): void {}

  abstract emitNext(): SourceStatus | Promise<SourceStatus>;
}

/** Emits the elements of a collection, in order (parallelism 1). */
export class CollectionSource extends AbstractSource {
  private next = 0;

  constructor(private readonly elements: readonly unknown[]) {
    super();
  }

  emitNext(): SourceStatus {
    const end = Math.min(this.elements.length, this.next + BATCH);
    for (; this.next < end; this.next++) this.out.collect(this.elements[this.next]);
    return this.next < this.elements.length ? 'more' : 'end';
  }
}

/** The numbers from..to (inclusive), split into one contiguous range per subtask. */
export class SequenceSource extends AbstractSource {
  private next = 0;
  private last = -1;

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
  }

  emitNext(): SourceStatus {
    const end = Math.min(this.last, this.next + BATCH * 8 - 1);
    for (; this.next <= end; this.next++) this.out.collect(this.next);
    return this.next <= this.last ? 'more' : 'end';
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
 * The rate limit is shared evenly among subtasks.
 */
export class DataGeneratorSource extends AbstractSource {
  private index = 0;
  private stride = 1;
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
    return this.index < count ? 'more' : 'end';
  }
}
