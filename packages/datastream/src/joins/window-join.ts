import type { SingleOutputStreamOperator, DataStream } from '../data-stream.js';
import type { Collector } from '../functions/basic-functions.js';
import type { WindowAssigner } from '../windowing/assigners.js';
import type { Evictor } from '../windowing/evictors.js';
import type { Trigger } from '../windowing/triggers.js';
import { invalidWindow, type Duration, type Window } from '../windowing/windows.js';

/** Combines a pair of joined elements into one (Flink's JoinFunction). */
export type JoinFunction<A, B, R> = ((first: A, second: B) => R) | { join(first: A, second: B): R };

/** Emits any number of records per pair of joined elements (Flink's FlatJoinFunction). */
export type FlatJoinFunction<A, B, R> =
  ((first: A, second: B, out: Collector<R>) => void) | { join(first: A, second: B, out: Collector<R>): void };

/** Gets the elements of both inputs with one key in one window (Flink's CoGroupFunction); either side may be empty. */
export type CoGroupFunction<A, B, R> =
  | ((first: Iterable<A>, second: Iterable<B>, out: Collector<R>) => void)
  | { coGroup(first: Iterable<A>, second: Iterable<B>, out: Collector<R>): void };

/** An element of either input in the union the window sees: [0, a] or [1, b] (Flink's TaggedUnion). */
type Tagged = [0 | 1, unknown];

/** The window part both window joins and coGroups share: trigger, evictor, lateness on the union of both inputs. */
interface WindowSettings {
  trigger?: Trigger<unknown, Window>;
  evictor?: Evictor<unknown, Window>;
  lateness?: Duration;
}

function coGroupWindows<A, B, R>(
  first: DataStream<A>,
  second: DataStream<B>,
  keyA: (a: A) => unknown,
  keyB: (b: B) => unknown,
  assigner: WindowAssigner<unknown, Window>,
  settings: WindowSettings,
  fn: (as: A[], bs: B[], out: Collector<R>) => void,
  what: string,
): SingleOutputStreamOperator<R> {
  const tagged = first
    .map((a): Tagged => [0, a])
    .name(`${what}: tag first input`)
    .union(second.map((b): Tagged => [1, b]).name(`${what}: tag second input`));
  let windowed = tagged.keyBy((t) => (t[0] === 0 ? keyA(t[1] as A) : keyB(t[1] as B))).window(assigner);
  if (settings.trigger) windowed = windowed.trigger(settings.trigger);
  if (settings.evictor) windowed = windowed.evictor(settings.evictor);
  if (settings.lateness !== undefined) windowed = windowed.allowedLateness(settings.lateness);
  const result = windowed.apply<R>((_key, _window, input, out) => {
    const as: A[] = [];
    const bs: B[] = [];
    for (const [side, v] of input) (side === 0 ? as : bs).push(v as never);
    fn(as, bs, out);
  });
  return result.name(what);
}

/**
 * A join or coGroup of two streams over time windows (Flink's JoinedStreams / CoGroupedStreams,
 * reached through DataStream.join / coGroup): both inputs are tagged, united, keyed and windowed;
 * when a window fires, the join emits every pair with equal keys (an inner join) and the coGroup
 * gets both sides' elements of each key.
 */
export class WindowJoinEqualTo<A, B> {
  constructor(
    private readonly first: DataStream<A>,
    private readonly second: DataStream<B>,
    private readonly keyA: (a: A) => unknown,
    private readonly keyB: (b: B) => unknown,
    private readonly what: string,
  ) {}

  window<W extends Window>(assigner: WindowAssigner<unknown, W>): WithWindow<A, B> {
    return new WithWindow<A, B>(this.first, this.second, this.keyA, this.keyB, assigner, this.what);
  }
}

/** A window join or coGroup with its window: `apply` (join), `apply` (coGroup) with the function. */
export class WithWindow<A, B> {
  private readonly settings: WindowSettings = {};

  constructor(
    private readonly first: DataStream<A>,
    private readonly second: DataStream<B>,
    private readonly keyA: (a: A) => unknown,
    private readonly keyB: (b: B) => unknown,
    private readonly assigner: WindowAssigner<unknown, Window>,
    private readonly what: string,
  ) {}

  trigger(trigger: Trigger<unknown, Window>): this {
    this.settings.trigger = trigger;
    return this;
  }

  evictor(evictor: Evictor<unknown, Window>): this {
    this.settings.evictor = evictor;
    return this;
  }

  allowedLateness(lateness: Duration): this {
    this.settings.lateness = lateness;
    return this;
  }

  /**
   * Join: a JoinFunction (first, second) => result, or a FlatJoinFunction (first, second, out).
   * CoGroup: a CoGroupFunction (firsts, seconds, out).
   */
  apply<R>(fn: JoinFunction<A, B, R> | FlatJoinFunction<A, B, R> | CoGroupFunction<A, B, R>): SingleOutputStreamOperator<R> {
    const call =
      this.what === 'Window Join' ? joinCall<A, B, R>(fn as JoinFunction<A, B, R>) : coGroupCall<A, B, R>(fn as CoGroupFunction<A, B, R>);
    return coGroupWindows<A, B, R>(this.first, this.second, this.keyA, this.keyB, this.assigner, this.settings, call, this.what);
  }
}

function joinCall<A, B, R>(fn: JoinFunction<A, B, R> | FlatJoinFunction<A, B, R>): (as: A[], bs: B[], out: Collector<R>) => void {
  const f = typeof fn === 'function' ? fn : typeof fn?.join === 'function' ? fn.join.bind(fn) : undefined;
  if (f === undefined)
    throw invalidWindow('join(...).apply needs a JoinFunction (first, second) => result or a FlatJoinFunction (first, second, out)');
  const flat = f.length >= 3;
  return (as, bs, out) => {
    for (const a of as) {
      for (const b of bs) {
        if (flat) f(a, b, out);
        else out.collect((f as (a: A, b: B) => R)(a, b));
      }
    }
  };
}

function coGroupCall<A, B, R>(fn: CoGroupFunction<A, B, R>): (as: A[], bs: B[], out: Collector<R>) => void {
  const f = typeof fn === 'function' ? fn : typeof fn?.coGroup === 'function' ? fn.coGroup.bind(fn) : undefined;
  if (f === undefined) throw invalidWindow('coGroup(...).apply needs a CoGroupFunction (firsts, seconds, out)');
  return f;
}
