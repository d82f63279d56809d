import { getLogger } from '@spindle/core';
import type { AggregateFunction, StreamOperator } from '@spindle/runtime/task';
import { SingleOutputStreamOperator, type DataStream } from '../data-stream.js';
import type { FieldExpression, ReduceFunction } from '../functions/basic-functions.js';
import type { OutputTag } from '../functions/process-function.js';
import { aggregation, type AggregationKind } from '../operators/keyed-reduce-operator.js';
import { isMergingAssigner, type WindowAssigner } from './assigners.js';
import type { Evictor } from './evictors.js';
import type { Trigger } from './triggers.js';
import {
  fromAllWindowFunction,
  fromProcessAllWindowFunction,
  fromProcessWindowFunction,
  fromWindowFunction,
  passThrough,
  ProcessAllWindowFunction,
  ProcessWindowFunction,
  type AllWindowFunction,
  type InternalWindowFunction,
  type WindowContents,
  type WindowFunction,
} from './window-functions.js';
import { WindowOperator, type WindowOperatorSpec } from './window-operator.js';
import { invalidWindow, millisOf, type Duration, type Window } from './windows.js';

const log = getLogger('WindowedStream');

/** A window function of a keyed or a non-keyed window, as `reduce`, `aggregate`, `process` and `apply` take it. */
type AnyWindowFunction =
  ProcessWindowFunction<unknown, unknown, unknown, Window> | ProcessAllWindowFunction<unknown, unknown, Window> | object;

/** What WindowedStream and AllWindowedStream share: the window's definition and building its operator. */
abstract class WindowedStreamBase<T, W extends Window> {
  private triggerValue: Trigger<T, W>;
  private evictorValue: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: string | undefined;

  constructor(
    protected readonly input: DataStream<T>,
    protected readonly assigner: WindowAssigner<T, W>,
  ) {
    this.triggerValue = assigner.getDefaultTrigger();
  }

  /** Replaces the assigner's default trigger. A merging assigner (sessions) needs a trigger that can merge. */
  protected setTrigger(trigger: Trigger<T, W>): void {
    if (isMergingAssigner(this.assigner) && !trigger.canMerge()) {
      throw invalidWindow(
        `${String(trigger)} cannot be used with the merging window assigner ${String(this.assigner)}: the trigger does not support merging (canMerge() is false)`,
      );
    }
    this.triggerValue = trigger;
  }

  protected setEvictor(evictor: Evictor<T, W>): void {
    this.evictorValue = evictor;
  }

  /** Keeps windows for `lateness` of event time after their end; late elements then fire the window again. */
  protected setAllowedLateness(lateness: Duration): void {
    const ms = millisOf(lateness);
    if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
      throw invalidWindow(`allowedLateness: the allowed lateness cannot be negative (got ${String(ms)}); give 0 or more milliseconds`);
    }
    if (!this.assigner.isEventTime() && ms > 0) {
      log.warn('allowed lateness is ignored for processing-time windows', { assigner: String(this.assigner), allowedLateness: ms });
      return;
    }
    this.lateness = ms;
  }

  protected setLateDataTag(tag: OutputTag<T>): void {
    if (!this.assigner.isEventTime())
      log.warn('late data side output is never used by processing-time windows', { assigner: String(this.assigner) });
    this.lateTag = tag.id;
  }

  protected abstract keyedInput(): DataStream<T>;
  protected abstract fromProcessFunction(fn: AnyWindowFunction): InternalWindowFunction;
  protected abstract fromApplyFunction(fn: AnyWindowFunction): InternalWindowFunction;
  protected abstract isProcessFunction(fn: unknown): boolean;
  protected abstract configure(result: SingleOutputStreamOperator<unknown>): void;

  protected build<R>(contents: WindowContents, fn: AnyWindowFunction | undefined, what: string): SingleOutputStreamOperator<R> {
    if (contents.kind === 'aggregate' && isMergingAssigner(this.assigner) && typeof contents.aggregate.merge !== 'function') {
      throw invalidWindow(`aggregate on ${String(this.assigner)}: merging windows need an AggregateFunction with merge(a, b)`);
    }
    const internal: (f: unknown) => InternalWindowFunction =
      fn === undefined
        ? () => passThrough()
        : this.isProcessFunction(fn)
          ? (f) => this.fromProcessFunction(f as AnyWindowFunction)
          : (f) => this.fromApplyFunction(f as AnyWindowFunction);
    const spec: WindowOperatorSpec = {
      assigner: this.assigner,
      trigger: this.triggerValue,
      evictor: this.evictorValue,
      contents,
      allowedLateness: this.lateness,
      lateDataTag: this.lateTag,
    };
    const name = `Window(${String(this.assigner)}, ${String(this.triggerValue)}${this.evictorValue ? `, ${this.evictorValue.constructor.name}` : ''}, ${what})`;
    const input = this.keyedInput();
    const createOperator = (): StreamOperator => new WindowOperator(spec, fn ?? {}, internal);
    const t = input.env.addOperator({
      name,
      kind: 'window',
      role: 'operator',
      inputs: [input.transformation],
      createOperator,
      bounded: true,
    });
    const result = new SingleOutputStreamOperator<R>(input.env, t);
    this.configure(result as SingleOutputStreamOperator<unknown>);
    return result;
  }

  protected reduceWith<R>(fn: ReduceFunction<T>, windowFn: AnyWindowFunction | undefined): SingleOutputStreamOperator<R> {
    if (typeof fn !== 'function') throw invalidWindow('reduce needs a function (a, b) => combined');
    return this.build<R>({ kind: 'reduce', reduce: fn as ReduceFunction<unknown> }, windowFn, 'reduce');
  }

  protected aggregateWith<R>(
    fn: AggregateFunction<T, unknown, unknown>,
    windowFn: AnyWindowFunction | undefined,
  ): SingleOutputStreamOperator<R> {
    const f = fn as Partial<AggregateFunction<T, unknown, unknown>> | undefined;
    if (typeof f?.createAccumulator !== 'function' || typeof f.add !== 'function' || typeof f.getResult !== 'function') {
      throw invalidWindow('aggregate needs an AggregateFunction with createAccumulator, add and getResult (and merge for session windows)');
    }
    return this.build<R>({ kind: 'aggregate', aggregate: fn }, windowFn, 'aggregate');
  }

  protected builtIn(kind: AggregationKind, field: FieldExpression | undefined): SingleOutputStreamOperator<T> {
    return this.build<T>({ kind: 'reduce', reduce: aggregation(kind, field) }, undefined, kind);
  }
}

/**
 * The windows of a keyed stream (Flink's WindowedStream), from `keyBy(...).window(assigner)`:
 * define the trigger, evictor and lateness, then evaluate each window of each key with `reduce`,
 * `aggregate` (each optionally with a ProcessWindowFunction or WindowFunction), `process` or `apply`.
 */
export class WindowedStream<T, K, W extends Window> extends WindowedStreamBase<T, W> {
  trigger(trigger: Trigger<T, W>): this {
    this.setTrigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<T, W>): this {
    this.setEvictor(evictor);
    return this;
  }

  allowedLateness(lateness: Duration): this {
    this.setAllowedLateness(lateness);
    return this;
  }

  /** Sends elements that arrive after their windows were cleaned up to `tag` (`result.getSideOutput(tag)`). */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.setLateDataTag(tag);
    return this;
  }

  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction: ProcessWindowFunction<T, R, K, W> | WindowFunction<T, R, K, W>,
  ): SingleOutputStreamOperator<R>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction?: ProcessWindowFunction<T, R, K, W> | WindowFunction<T, R, K, W>,
  ): SingleOutputStreamOperator<R> {
    return this.reduceWith<R>(fn, windowFunction);
  }

  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessWindowFunction<V, R, K, W> | WindowFunction<V, R, K, W>,
  ): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction?: ProcessWindowFunction<V, R, K, W> | WindowFunction<V, R, K, W>,
  ): SingleOutputStreamOperator<R> {
    return this.aggregateWith<R>(fn, windowFunction);
  }

  /** Evaluates each window with all its elements. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    if (!(fn instanceof ProcessWindowFunction)) throw invalidWindow('process needs a ProcessWindowFunction (a class extending it)');
    return this.build<R>({ kind: 'list' }, fn, 'process');
  }

  /** Evaluates each window with a WindowFunction (key, window, elements, out). */
  apply<R>(fn: WindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.build<R>({ kind: 'list' }, fn, 'apply');
  }

  sum(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('sum', field);
  }

  min(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('min', field);
  }

  max(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('max', field);
  }

  minBy(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('minBy', field);
  }

  maxBy(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('maxBy', field);
  }

  protected keyedInput(): DataStream<T> {
    return this.input;
  }

  protected isProcessFunction(fn: unknown): boolean {
    return fn instanceof ProcessWindowFunction;
  }

  protected fromProcessFunction(fn: AnyWindowFunction): InternalWindowFunction {
    return fromProcessWindowFunction(fn as ProcessWindowFunction<unknown, unknown, unknown, Window>);
  }

  protected fromApplyFunction(fn: AnyWindowFunction): InternalWindowFunction {
    return fromWindowFunction(fn as WindowFunction<unknown, unknown, unknown, Window>);
  }

  protected configure(): void {}
}

/**
 * The windows of a whole stream (Flink's AllWindowedStream), from `windowAll(assigner)`: every
 * element goes to one subtask (the operator's parallelism is 1), as in Flink.
 */
export class AllWindowedStream<T, W extends Window> extends WindowedStreamBase<T, W> {
  trigger(trigger: Trigger<T, W>): this {
    this.setTrigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<T, W>): this {
    this.setEvictor(evictor);
    return this;
  }

  allowedLateness(lateness: Duration): this {
    this.setAllowedLateness(lateness);
    return this;
  }

  sideOutputLateData(tag: OutputTag<T>): this {
    this.setLateDataTag(tag);
    return this;
  }

  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction: ProcessAllWindowFunction<T, R, W> | AllWindowFunction<T, R, W>,
  ): SingleOutputStreamOperator<R>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction?: ProcessAllWindowFunction<T, R, W> | AllWindowFunction<T, R, W>,
  ): SingleOutputStreamOperator<R> {
    return this.reduceWith<R>(fn, windowFunction);
  }

  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessAllWindowFunction<V, R, W> | AllWindowFunction<V, R, W>,
  ): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction?: ProcessAllWindowFunction<V, R, W> | AllWindowFunction<V, R, W>,
  ): SingleOutputStreamOperator<R> {
    return this.aggregateWith<R>(fn, windowFunction);
  }

  process<R>(fn: ProcessAllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    if (!(fn instanceof ProcessAllWindowFunction)) throw invalidWindow('process needs a ProcessAllWindowFunction (a class extending it)');
    return this.build<R>({ kind: 'list' }, fn, 'process');
  }

  apply<R>(fn: AllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    return this.build<R>({ kind: 'list' }, fn, 'apply');
  }

  sum(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('sum', field);
  }

  min(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('min', field);
  }

  max(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.builtIn('max', field);
  }

  protected keyedInput(): DataStream<T> {
    return this.input.keyBy(() => 0);
  }

  protected isProcessFunction(fn: unknown): boolean {
    return fn instanceof ProcessAllWindowFunction;
  }

  protected fromProcessFunction(fn: AnyWindowFunction): InternalWindowFunction {
    return fromProcessAllWindowFunction(fn as ProcessAllWindowFunction<unknown, unknown, Window>);
  }

  protected fromApplyFunction(fn: AnyWindowFunction): InternalWindowFunction {
    return fromAllWindowFunction(fn as AllWindowFunction<unknown, unknown, Window>);
  }

  protected configure(result: SingleOutputStreamOperator<unknown>): void {
    result.setParallelism(1);
    result.transformation.nonParallel = 'windowAll(...)';
  }
}
