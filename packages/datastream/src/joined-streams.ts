import { SpindleError } from '@spindle/core';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import type { FieldExpression, KeySelector } from './functions/basic-functions.js';
import { WindowJoinEqualTo, type WithWindow } from './joins/window-join.js';
import { WindowAssigner } from './windowing/assigners.js';
import type { Window } from './windowing/windows.js';
import {
  JoinOperator,
  type CoGroupFunction,
  type JoinExecution,
  type JoinFunction,
  type JoinSpec,
  type JoinType,
} from './operators/batch/join-operator.js';

export type { CoGroupFunction, JoinFunction, JoinType };

/**
 * How a join runs (the DataSet API's JoinHint). BROADCAST_HASH_*: that input is sent whole to
 * every subtask and hashed there, the other stays where it is (for a small input). REPARTITION_HASH_*:
 * both inputs are partitioned by key and that input is hashed. REPARTITION_SORT_MERGE: both are
 * partitioned and sorted by key, then merged. OPTIMIZER_CHOOSES is REPARTITION_HASH_SECOND. Hash
 * strategies hold the hashed input in managed memory, and continue as sort-merge when it does not
 * fit; sort-merge spills to `io.tmp.dirs`.
 */
export const JoinHint = {
  OPTIMIZER_CHOOSES: 'OPTIMIZER_CHOOSES',
  BROADCAST_HASH_FIRST: 'BROADCAST_HASH_FIRST',
  BROADCAST_HASH_SECOND: 'BROADCAST_HASH_SECOND',
  REPARTITION_HASH_FIRST: 'REPARTITION_HASH_FIRST',
  REPARTITION_HASH_SECOND: 'REPARTITION_HASH_SECOND',
  REPARTITION_SORT_MERGE: 'REPARTITION_SORT_MERGE',
} as const;
export type JoinHint = (typeof JoinHint)[keyof typeof JoinHint];

/**
 * The window of a join or coGroup over the whole bounded input (Flink 2's EndOfStreamWindows),
 * BATCH only; time windows take a window assigner instead.
 */
export class EndOfStreamWindows {
  private static readonly instance = new EndOfStreamWindows();
  private readonly kind = 'end-of-stream';

  private constructor() {}

  static get(): EndOfStreamWindows {
    return EndOfStreamWindows.instance;
  }

  /** @internal */
  isEndOfStream(): boolean {
    return this.kind === 'end-of-stream';
  }
}

type Selector = (r: unknown) => unknown;

const API: Record<JoinType | 'COGROUP', string> = {
  INNER: 'join',
  LEFT_OUTER: 'leftOuterJoin',
  RIGHT_OUTER: 'rightOuterJoin',
  FULL_OUTER: 'fullOuterJoin',
  COGROUP: 'coGroup',
};

/**
 * `first.join(second)` (and the outer joins, and coGroup): over time windows,
 * `.where(key1).equalTo(key2).window(assigner).apply(fn)` (inner join and coGroup); over the whole
 * bounded input, BATCH only, `.window(EndOfStreamWindows.get()).apply(fn)` as in Flink 2, or
 * `.with(fn)` as in the DataSet API. Keys are equal by the key codec.
 */
/** The function a join takes (JoinFunction), or a coGroup (CoGroupFunction). */
export type JoinFunctionOf<Kind extends 'join' | 'coGroup', T1, T2, R> = Kind extends 'coGroup'
  ? CoGroupFunction<T1, T2, R>
  : JoinFunction<T1, T2, R>;

export class JoinedStreams<T1, T2, Kind extends 'join' | 'coGroup' = 'join'> {
  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
    private readonly type: JoinType | 'COGROUP',
    private readonly hint: JoinHint = JoinHint.OPTIMIZER_CHOOSES,
  ) {
    checkHint(type, hint);
  }

  where<K>(key: KeySelector<T1, K> | FieldExpression): { equalTo(key: KeySelector<T2, K> | FieldExpression): JoinEqualTo<T1, T2, Kind> } {
    const k1 = selectorOf(this.first, key as KeySelector<unknown, unknown> | FieldExpression);
    return {
      equalTo: (key2) =>
        new JoinEqualTo<T1, T2, Kind>(
          this.first,
          this.second,
          this.type,
          this.hint,
          k1,
          selectorOf(this.second, key2 as KeySelector<unknown, unknown> | FieldExpression),
        ),
    };
  }
}

/** A join or coGroup with both keys set: choose the window (the whole input) and the function. */
export class JoinEqualTo<T1, T2, Kind extends 'join' | 'coGroup' = 'join'> {
  constructor(
    private readonly first: DataStream<T1>,
    private readonly second: DataStream<T2>,
    private readonly type: JoinType | 'COGROUP',
    private readonly hint: JoinHint,
    private readonly key1: Selector,
    private readonly key2: Selector,
  ) {}

  /**
   * The window: `EndOfStreamWindows.get()` for the whole bounded input (BATCH; every join type and
   * hint), or a window assigner for time windows (inner join and coGroup; with `trigger`,
   * `evictor` and `allowedLateness` before `apply`).
   */
  window(assigner: EndOfStreamWindows): { apply<R>(fn: JoinFunctionOf<Kind, T1, T2, R>): SingleOutputStreamOperator<R> };
  window<W extends Window>(assigner: WindowAssigner<unknown, W>): WithWindow<T1, T2>;
  window<W extends Window>(
    assigner: EndOfStreamWindows | WindowAssigner<unknown, W>,
  ): { apply<R>(fn: JoinFunctionOf<Kind, T1, T2, R>): SingleOutputStreamOperator<R> } | WithWindow<T1, T2> {
    if (assigner instanceof EndOfStreamWindows) {
      return { apply: <R>(fn: JoinFunctionOf<Kind, T1, T2, R>): SingleOutputStreamOperator<R> => this.with<R>(fn) };
    }
    if (!(assigner instanceof WindowAssigner)) {
      throw new SpindleError(
        `${API[this.type]}(...).window() takes a window assigner (e.g. TumblingEventTimeWindows.of(ms)) or EndOfStreamWindows.get() (the whole bounded input)`,
        { code: 'INVALID_WINDOW', userFacing: true },
      );
    }
    if (this.type !== 'INNER' && this.type !== 'COGROUP') {
      throw new SpindleError(
        `${API[this.type]} runs over the whole bounded input only: use window(EndOfStreamWindows.get()), or coGroup over time windows and emit the unmatched side yourself`,
        { code: 'INVALID_WINDOW', userFacing: true },
      );
    }
    if (this.hint !== JoinHint.OPTIMIZER_CHOOSES) {
      throw new SpindleError(`join hints (${this.hint}) apply to joins over the whole bounded input (EndOfStreamWindows) only`, {
        code: 'INVALID_JOIN_HINT',
        userFacing: true,
      });
    }
    const what = this.type === 'COGROUP' ? 'Window CoGroup' : 'Window Join';
    return new WindowJoinEqualTo<T1, T2>(
      this.first,
      this.second,
      this.key1 as (a: T1) => unknown,
      this.key2 as (b: T2) => unknown,
      what,
    ).window(assigner);
  }

  /**
   * The function: a JoinFunction `(first, second) => result` for joins (null for the missing side
   * of an outer join), a CoGroupFunction `(firsts, seconds, out) => void` for coGroup.
   */
  with<R>(fn: JoinFunctionOf<Kind, T1, T2, R>): SingleOutputStreamOperator<R> {
    const coGroup = this.type === 'COGROUP';
    const execution = executionOf(coGroup ? JoinHint.REPARTITION_SORT_MERGE : this.hint);
    const spec: JoinSpec = {
      type: coGroup ? 'FULL_OUTER' : this.type,
      execution,
      keys: [this.key1, this.key2],
      ...(coGroup
        ? { coGroup: fn as CoGroupFunction<unknown, unknown, unknown> }
        : { join: fn as JoinFunction<unknown, unknown, unknown> }),
    };
    const [in1, in2] = this.partitioned();
    const name = coGroup ? 'CoGroup' : `${this.type === 'INNER' ? 'Join' : outerName(this.type)} (${this.hint})`;
    return this.first.batchOperation<R>(name, coGroup ? 'co-group' : 'join', `${API[this.type]}(...)`, () => new JoinOperator(spec), [
      in1.transformation,
      in2.transformation,
    ]);
  }

  private partitioned(): [DataStream<unknown>, DataStream<unknown>] {
    const first = this.first as unknown as DataStream<unknown>;
    const second = this.second as unknown as DataStream<unknown>;
    if (this.hint === JoinHint.BROADCAST_HASH_FIRST) return [first.broadcast(), second];
    if (this.hint === JoinHint.BROADCAST_HASH_SECOND) return [first, second.broadcast()];
    return [first.keyBy(this.key1), second.keyBy(this.key2)];
  }
}

function outerName(type: JoinType): string {
  return type === 'LEFT_OUTER' ? 'Left Outer Join' : type === 'RIGHT_OUTER' ? 'Right Outer Join' : 'Full Outer Join';
}

function executionOf(hint: JoinHint): JoinExecution {
  switch (hint) {
    case JoinHint.BROADCAST_HASH_FIRST:
    case JoinHint.REPARTITION_HASH_FIRST:
      return { kind: 'hash', buildInput: 0 };
    case JoinHint.REPARTITION_SORT_MERGE:
      return { kind: 'sort-merge' };
    default:
      return { kind: 'hash', buildInput: 1 };
  }
}

/** The outer side of a join cannot be broadcast: each subtask would emit its unmatched records. */
function checkHint(type: JoinType | 'COGROUP', hint: JoinHint): void {
  if (!Object.values(JoinHint).includes(hint)) {
    throw new SpindleError(`unknown join hint ${JSON.stringify(hint)}; use one of ${Object.values(JoinHint).join(', ')}`, {
      code: 'INVALID_JOIN_HINT',
      userFacing: true,
    });
  }
  const broadcastFirst = hint === JoinHint.BROADCAST_HASH_FIRST;
  const broadcastSecond = hint === JoinHint.BROADCAST_HASH_SECOND;
  const outerFirst = type === 'LEFT_OUTER' || type === 'FULL_OUTER';
  const outerSecond = type === 'RIGHT_OUTER' || type === 'FULL_OUTER';
  if ((broadcastFirst && outerFirst) || (broadcastSecond && outerSecond)) {
    throw new SpindleError(
      `${API[type]} cannot use ${hint}: the outer side of a join cannot be broadcast; broadcast the other input, or use REPARTITION_HASH_FIRST, REPARTITION_HASH_SECOND or REPARTITION_SORT_MERGE`,
      { code: 'INVALID_JOIN_HINT', userFacing: true },
    );
  }
}

function selectorOf<T>(stream: DataStream<T>, key: KeySelector<unknown, unknown> | FieldExpression): Selector {
  return typeof key === 'function' ? key : stream.fieldSelectorOf(key);
}
