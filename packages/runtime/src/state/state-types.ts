/**
 * The state handles user functions see, as Flink's. Keyed state is scoped to the current key of
 * the backend: the same handle reads and writes another key's value after `setCurrentKey`.
 * Values are the stored objects themselves (no copy on access, as Flink's heap backend): mutate
 * a value only to write it back with `update`/`put`.
 */
export interface State {
  /** Removes the current key's value. */
  clear(): void;
}

export interface ValueState<T> extends State {
  /** The current key's value, or the descriptor's default value (undefined without one). */
  value(): T | undefined;
  /** Sets the value; `null` or `undefined` clears it, as in Flink. */
  update(value: T | null | undefined): void;
}

/** Appending state (Flink's AppendingState): what `add` folds in, what `get` reads. */
export interface AppendingState<IN, OUT> extends State {
  /** Undefined when the key has no value. */
  get(): OUT | undefined;
  add(value: IN): void;
}

export type ReducingState<T> = AppendingState<T, T>;

export type AggregatingState<IN, OUT> = AppendingState<IN, OUT>;

export interface ListState<T> extends State {
  /** The elements in insertion order; an empty array when there are none (a fresh array each call). */
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the elements; an empty list clears the state. */
  update(values: Iterable<T>): void;
}

/** Read access to a map (the broadcast state seen from the keyed side is read-only). */
export interface ReadOnlyMapState<UK, UV> {
  get(key: UK): UV | undefined;
  contains(key: UK): boolean;
  entries(): IterableIterator<[UK, UV]>;
  keys(): IterableIterator<UK>;
  values(): IterableIterator<UV>;
  isEmpty(): boolean;
}

export interface MapState<UK, UV> extends ReadOnlyMapState<UK, UV>, State {
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<[UK, UV]> | Map<UK, UV>): void;
  remove(key: UK): void;
}

/** Flink's ReadOnlyBroadcastState: what processElement of a broadcast function may read. */
export type ReadOnlyBroadcastState<K, V> = ReadOnlyMapState<K, V>;

/** Flink's BroadcastState: the same map on every subtask, written by processBroadcastElement. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void;
  remove(key: K): void;
  clear(): void;
}
