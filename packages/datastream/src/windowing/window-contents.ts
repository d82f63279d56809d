import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
  type AggregateFunction,
  type AppendingState,
  type HeapKeyedStateBackend,
  type InternalMergingState,
  type ListState,
} from '@spindle/runtime/task';
import type { Evictor, EvictorContext } from './evictors.js';
import { TimestampedValue } from './evictors.js';
import type { WindowContents } from './window-functions.js';
import { WINDOW_NAMESPACES, type Window } from './windows.js';

const CONTENTS = 'window-contents';

/**
 * A window's contents in the keyed state backend, in the window's namespace of the current key
 * (Flink's window state): folded as elements come for reduce and aggregate, a list otherwise, and
 * a list of (element, timestamp) with an evictor, which then also does the folding when the window fires.
 */
export interface WindowContentsState {
  setCurrentNamespace(window: Window): void;
  add(value: unknown, timestamp: number | undefined): void;
  /** The window function's input when the window fires: undefined for an empty window. */
  fire(window: Window, evictorContext: EvictorContext): unknown[] | undefined;
  clear(): void;
  mergeNamespaces(target: Window, sources: readonly Window[]): void;
}

type Merging<S> = S & InternalMergingState<Window>;

export function windowContentsState(
  backend: HeapKeyedStateBackend,
  contents: WindowContents,
  evictor: Evictor<unknown, Window> | undefined,
): WindowContentsState {
  if (evictor !== undefined) return evictingContents(backend, contents, evictor);
  if (contents.kind === 'list') {
    const list = backend.getPartitionedState(new ListStateDescriptor<unknown>(CONTENTS), WINDOW_NAMESPACES) as Merging<ListState<unknown>>;
    return appending(
      list,
      (v) => list.add(v),
      () => {
        const elements = list.get();
        return elements.length === 0 ? undefined : elements;
      },
    );
  }
  const descriptor =
    contents.kind === 'reduce'
      ? new ReducingStateDescriptor<unknown>(CONTENTS, contents.reduce)
      : new AggregatingStateDescriptor<unknown, unknown, unknown>(CONTENTS, contents.aggregate);
  const state = backend.getPartitionedState(descriptor, WINDOW_NAMESPACES) as Merging<AppendingState<unknown, unknown>>;
  return appending(
    state,
    (v) => state.add(v),
    () => {
      const v = state.get();
      return v === undefined ? undefined : [v];
    },
  );
}

function appending(state: Merging<{ clear(): void }>, add: (v: unknown) => void, get: () => unknown[] | undefined): WindowContentsState {
  return {
    setCurrentNamespace: (w) => state.setCurrentNamespace(w),
    add: (v) => add(v),
    fire: () => get(),
    clear: () => state.clear(),
    mergeNamespaces: (t, s) => state.mergeNamespaces(t, s),
  };
}

/** Folds `values` as the window function's input (an evicting window keeps every element). */
function fold(contents: WindowContents, values: unknown[]): unknown[] {
  if (contents.kind === 'list' || values.length === 0) return values;
  if (contents.kind === 'reduce') return [values.reduce((a, b) => contents.reduce(a, b))];
  const fn: AggregateFunction<unknown, unknown, unknown> = contents.aggregate;
  let acc = fn.createAccumulator();
  for (const v of values) acc = fn.add(v, acc);
  return [fn.getResult(acc)];
}

function evictingContents(
  backend: HeapKeyedStateBackend,
  contents: WindowContents,
  evictor: Evictor<unknown, Window>,
): WindowContentsState {
  const list = backend.getPartitionedState(new ListStateDescriptor<[unknown, number | null]>(CONTENTS), WINDOW_NAMESPACES) as Merging<
    ListState<[unknown, number | null]>
  >;
  return {
    setCurrentNamespace: (w) => list.setCurrentNamespace(w),
    add: (v, ts) => list.add([v, ts ?? null]),
    fire(window, ctx) {
      const stored = list.get();
      if (stored.length === 0) return undefined;
      const elements = stored.map(([v, ts]) => new TimestampedValue(v, ts ?? undefined));
      evictor.evictBefore(elements, elements.length, window, ctx);
      const input = fold(
        contents,
        elements.map((e) => e.value),
      );
      evictor.evictAfter(elements, elements.length, window, ctx);
      list.update(elements.map((e) => [e.value, e.timestamp ?? null]));
      return input;
    },
    clear: () => list.clear(),
    mergeNamespaces: (t, s) => list.mergeNamespaces(t, s),
  };
}
