import { SpindleError } from '@spindle/core';
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '@spindle/runtime/task';
import { isBuiltInAccumulator, type Accumulator, type DoubleCounter, type IntCounter, type LongCounter } from './accumulators.js';
import type { Collector } from './basic-functions.js';

/** Keyed state scoped to the current key (and, for a window's `windowState()`, the window): Flink's KeyedStateStore. */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/**
 * What a rich function knows about where it runs, and its keyed state (Flink's RuntimeContext).
 * The state getters need a keyed stream (a function applied after `keyBy`); their handles read and
 * write the value of the key being processed, so use them in `processElement`/`onTimer` (or
 * map/flatMap/filter), not in `open` or `close`.
 */
export interface RuntimeContext extends KeyedStateStore {
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  /** Flink's task name with the subtask, e.g. `Process -> Sink: Print (2/4)`. */
  getTaskName(): string;
  /** Aborted when the task is cancelled; long or asynchronous work should stop then. */
  readonly signal: AbortSignal;
  /** Registers an accumulator under a name unique in this operator (a second one fails). */
  addAccumulator<V, T>(name: string, accumulator: Accumulator<V, T>): void;
  getAccumulator<V, T>(name: string): Accumulator<V, T> | undefined;
  /** The counter `name`, created on first use (Flink's getIntCounter, ...). */
  getIntCounter(name: string): IntCounter;
  getLongCounter(name: string): LongCounter;
  getDoubleCounter(name: string): DoubleCounter;
}

/** Handed to `open` (Flink's OpenContext); empty for now, as in Flink. */
export type OpenContext = Record<string, never>;

/**
 * A function with a lifecycle and a runtime context (Flink's AbstractRichFunction): `open` runs
 * before the first record, `close` after the last, both on the task's thread.
 */
export abstract class AbstractRichFunction {
  private runtimeContext: RuntimeContext | undefined;

  open(_openContext: OpenContext): void {}

  close(): void | Promise<void> {}

  /** @internal Set by the operator before `open`. */
  setRuntimeContext(context: RuntimeContext): void {
    this.runtimeContext = context;
  }

  getRuntimeContext(): RuntimeContext {
    if (this.runtimeContext === undefined) {
      throw new SpindleError(`the runtime context of ${this.constructor.name} is not initialized yet: it is available from open() on`, {
        code: 'NO_RUNTIME_CONTEXT',
        userFacing: true,
      });
    }
    return this.runtimeContext;
  }
}

export abstract class RichMapFunction<I, O> extends AbstractRichFunction {
  abstract map(value: I): O;
}

export abstract class RichFlatMapFunction<I, O> extends AbstractRichFunction {
  abstract flatMap(value: I, out: Collector<O>): void;
}

export abstract class RichFilterFunction<T> extends AbstractRichFunction {
  abstract filter(value: T): boolean;
}

/**
 * A sink with a lifecycle (Flink's RichSinkFunction): `invoke` per record, `finish` once the input
 * ended. With CheckpointedFunction and CheckpointListener it can commit output per checkpoint.
 */
export abstract class RichSinkFunction<T> extends AbstractRichFunction {
  abstract invoke(value: T): void;
  finish(): void | Promise<void> {}
}

/**
 * The copy of a function object that one operator instance works on. Flink gives every subtask its
 * own deserialized copy of a function; Spindle never serializes functions, and subtasks of a
 * program run in one thread (`node job.js`, tests) would otherwise share one object, so fields set
 * in `open` or `processElement` would mix. Rich and checkpointed functions are copied with their
 * prototype; their own fields holding plain data (arrays, Maps, Sets, plain objects) are cloned
 * deeply, other fields (descriptors, class instances, functions) are shared. Plain functions
 * (lambdas) are used as they are.
 */
export function functionInstance<F>(fn: F): F {
  if (typeof fn !== 'object' || fn === null) return fn;
  const copy = Object.create(Object.getPrototypeOf(fn) as object | null) as F & object;
  for (const key of Reflect.ownKeys(fn)) {
    const d = Object.getOwnPropertyDescriptor(fn, key)!;
    if ('value' in d) d.value = clonePlainData(d.value);
    Object.defineProperty(copy, key, d);
  }
  return copy;
}

function clonePlainData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // Each subtask counts on its own, as with Flink's serialized functions.
  if (isBuiltInAccumulator(value)) return value.copy();
  const proto = Object.getPrototypeOf(value) as unknown;
  const plain = Array.isArray(value) || value instanceof Map || value instanceof Set || proto === Object.prototype || proto === null;
  if (!plain) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
