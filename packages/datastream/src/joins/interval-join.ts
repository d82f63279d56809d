import {
  MapStateDescriptor,
  type HeapInternalTimerService,
  type InternalTimer,
  type MapState,
  type OperatorContext,
  type Triggerable,
} from '@spindle/runtime/task';
import { SingleOutputStreamOperator, type KeyedStream } from '../data-stream.js';
import type { Collector } from '../functions/basic-functions.js';
import type { OutputTag } from '../functions/process-function.js';
import { AbstractRichFunction } from '../functions/rich-functions.js';
import { TimestampedCollector } from '../operators/basic-operators.js';
import { AbstractUdfStreamOperator } from '../operators/udf-operator.js';
import { invalidWindow, millisOf, type Duration } from '../windowing/windows.js';

/** What `processElement` of a ProcessJoinFunction gets besides the pair (Flink's ProcessJoinFunction.Context). */
export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The pair's timestamp: the larger of both. */
  getTimestamp(): number;
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

/** Processes each joined pair of an interval join (Flink's ProcessJoinFunction); records carry the pair's timestamp. */
export abstract class ProcessJoinFunction<L, R, OUT> extends AbstractRichFunction {
  abstract processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

/**
 * An interval join of two keyed streams (Flink's KeyedStream.IntervalJoin): `between(lower,
 * upper)` pairs each left element `a` with the right elements `b` of the same key with
 * `a.ts + lower <= b.ts <= a.ts + upper`, in event time.
 */
export class IntervalJoin<L, R, K> {
  constructor(
    private readonly left: KeyedStream<L, K>,
    private readonly right: KeyedStream<R, K>,
  ) {}

  between(lower: Duration, upper: Duration): IntervalJoined<L, R, K> {
    const lo = millisOf(lower);
    const hi = millisOf(upper);
    for (const [name, v] of [
      ['lower', lo],
      ['upper', hi],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw invalidWindow(`intervalJoin.between: the ${name} bound must be a number of milliseconds, got ${String(v)}`);
    }
    if (lo > hi) throw invalidWindow(`intervalJoin.between: the lower bound (${lo}) must not be greater than the upper bound (${hi})`);
    return new IntervalJoined<L, R, K>(this.left, this.right, lo, hi);
  }
}

export class IntervalJoined<L, R, K> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: string | undefined;
  private rightLateTag: string | undefined;

  constructor(
    private readonly left: KeyedStream<L, K>,
    private readonly right: KeyedStream<R, K>,
    private readonly lower: number,
    private readonly upper: number,
  ) {}

  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Sends left elements that come behind the watermark to the side output `tag` instead of dropping them. */
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    this.leftLateTag = lateTagId(tag, 'sideOutputLeftLateData');
    return this;
  }

  /** Sends right elements that come behind the watermark to the side output `tag` instead of dropping them. */
  sideOutputRightLateData(tag: OutputTag<R>): this {
    this.rightLateTag = lateTagId(tag, 'sideOutputRightLateData');
    return this;
  }

  process<OUT>(fn: ProcessJoinFunction<L, R, OUT>): SingleOutputStreamOperator<OUT> {
    if (!(fn instanceof ProcessJoinFunction))
      throw invalidWindow('intervalJoin(...).process needs a ProcessJoinFunction (a class extending it)');
    const lower = this.lowerInclusive ? this.lower : this.lower + 1;
    const upper = this.upperInclusive ? this.upper : this.upper - 1;
    if (lower > upper) {
      throw invalidWindow(
        `intervalJoin: with exclusive bounds the interval [${this.lower}, ${this.upper}] is empty; widen it or make a bound inclusive`,
      );
    }
    const env = this.left.env;
    const lateTags: LateTags = { left: this.leftLateTag, right: this.rightLateTag };
    const t = env.addOperator({
      name: 'IntervalJoin',
      kind: 'interval-join',
      role: 'operator',
      inputs: [this.left.transformation, this.right.transformation],
      createOperator: () => new IntervalJoinOperator(lower, upper, fn, lateTags),
      bounded: true,
    });
    return new SingleOutputStreamOperator<OUT>(env, t);
  }
}

function lateTagId(tag: OutputTag<unknown>, what: string): string {
  if (typeof tag?.id !== 'string') throw invalidWindow(`intervalJoin(...).${what} needs an OutputTag, e.g. new OutputTag<T>('late-left')`);
  return tag.id;
}

/** The side outputs of each input's late elements (none: late elements are dropped). */
export interface LateTags {
  left: string | undefined;
  right: string | undefined;
}

/** Buffered elements of one side at one timestamp: [value, joined at least once]. */
type Bucket = [unknown, boolean][];

const LEFT = 'left';
const RIGHT = 'right';

/**
 * The interval join (Flink's IntervalJoinOperator): each side buffers its elements per timestamp
 * in map state; an element joins the other side's buffered elements in its interval, and is
 * removed by an event-time timer once the watermark guarantees no later partner can come.
 * Elements behind the watermark are late: sent to their input's late-data side output when one
 * is given (sideOutputLeftLateData / sideOutputRightLateData), dropped otherwise.
 */
export class IntervalJoinOperator
  extends AbstractUdfStreamOperator<ProcessJoinFunction<unknown, unknown, unknown>>
  implements Triggerable<unknown, string>
{
  private leftBuffer!: MapState<number, Bucket>;
  private rightBuffer!: MapState<number, Bucket>;
  private collector!: TimestampedCollector;
  private timers!: HeapInternalTimerService<unknown, string>;

  constructor(
    private readonly lower: number,
    private readonly upper: number,
    fn: ProcessJoinFunction<unknown, unknown, unknown>,
    private readonly lateTags: LateTags = { left: undefined, right: undefined },
  ) {
    super(fn);
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    const backend = this.keyedStateBackend;
    if (backend === undefined) throw new Error(`${ctx.operatorName}: an interval join needs keyed inputs`);
    this.leftBuffer = backend.getPartitionedState(new MapStateDescriptor<number, Bucket>('LEFT_BUFFER'));
    this.rightBuffer = backend.getPartitionedState(new MapStateDescriptor<number, Bucket>('RIGHT_BUFFER'));
    this.timers = this.getInternalTimerService<unknown, string>('interval-join-timers', this);
    this.collector = new TimestampedCollector(this.out);
  }

  processElement(value: unknown, inputIndex: number, timestamp?: number): void {
    if (timestamp === undefined) {
      throw invalidWindow(
        `${this.ctx.operatorName}: a record has no timestamp; interval joins work in event time: call assignTimestampsAndWatermarks(...) on both inputs`,
      );
    }
    const isLeft = inputIndex === 0;
    const watermark = this.timers.currentWatermark();
    if (timestamp < watermark) {
      const tag = isLeft ? this.lateTags.left : this.lateTags.right;
      if (tag !== undefined) this.ctx.sideOutputs?.get(tag)?.collect(value, timestamp);
      return;
    }
    const [own, other] = isLeft ? [this.leftBuffer, this.rightBuffer] : [this.rightBuffer, this.leftBuffer];
    const bucket = own.get(timestamp) ?? [];
    bucket.push([value, false]);
    own.put(timestamp, bucket);
    // Relative to this element: the other side's timestamps that pair with it.
    const lo = isLeft ? this.lower : -this.upper;
    const hi = isLeft ? this.upper : -this.lower;
    for (const [ts, elements] of other.entries()) {
      if (ts < timestamp + lo || ts > timestamp + hi) continue;
      for (const e of elements) {
        e[1] = true;
        if (isLeft) this.emit(value, e[0], timestamp, ts);
        else this.emit(e[0], value, ts, timestamp);
      }
      other.put(ts, elements);
    }
    const cleanup = hi > 0 ? timestamp + hi : timestamp;
    this.timers.registerEventTimeTimer(cleanup, isLeft ? LEFT : RIGHT);
  }

  private emit(left: unknown, right: unknown, leftTs: number, rightTs: number): void {
    const ts = Math.max(leftTs, rightTs);
    this.collector.timestamp = ts;
    const ctx: ProcessJoinContext = {
      getLeftTimestamp: () => leftTs,
      getRightTimestamp: () => rightTs,
      getTimestamp: () => ts,
      output: (tag, v) => this.ctx.sideOutputs?.get(tag.id)?.collect(v, ts),
    };
    this.userFunction.processElement(left, right, ctx, this.collector);
  }

  onEventTime(timer: InternalTimer<unknown, string>): void {
    if (timer.namespace === LEFT) this.leftBuffer.remove(this.upper > 0 ? timer.timestamp - this.upper : timer.timestamp);
    else this.rightBuffer.remove(this.lower < 0 ? timer.timestamp + this.lower : timer.timestamp);
  }

  onProcessingTime(): void {}
}
