import { DataInputDeserializer, DataOutputSerializer, decodeKey, encodeKey, type TypeSerializer } from '@spindle/core';
import type { ListStateDescriptor, MapStateDescriptor, StateDescriptor } from './descriptors.js';
import { readOperatorSnapshot, writeOperatorSnapshot, type OperatorStateMode, type OperatorStatePart } from './operator-snapshot-format.js';
import { invalidSnapshot, nullStateValue, stateError } from './state-errors.js';
import type { BroadcastState, ListState } from './state-types.js';
import { UserKeyMap } from './user-key-map.js';

export interface OperatorStateStoreOptions {
  /**
   * Whether this subtask writes its broadcast states into snapshots (default true: every subtask
   * does, as in Flink). Since broadcast state is the same on every subtask, one writer suffices.
   */
  writeBroadcastState?: boolean;
}

interface Registered {
  mode: OperatorStateMode;
  serializer: TypeSerializer<unknown>;
  /** Serializes the state's elements (list elements or broadcast entries), each into its own bytes. */
  elements(out: DataOutputSerializer): Uint8Array[];
  handle: unknown;
}

/**
 * Non-keyed state of one operator in one subtask (Flink's OperatorStateStore): list states that
 * are split evenly or given whole (union) to the new subtasks on a parallelism change, and
 * broadcast states (maps equal on every subtask). Snapshots are bytes
 * (operator-snapshot-format.ts); `repartitionOperatorState` turns the snapshots of p subtasks into
 * those of p' subtasks, and `restore` takes one of them. TTL does not apply to operator state.
 */
export class OperatorStateStore {
  private readonly states = new Map<string, Registered>();
  private readonly pending = new Map<string, OperatorStatePart>();

  constructor(private readonly options: OperatorStateStoreOptions = {}) {}

  /** List state redistributed by even split. */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.list(descriptor, 'split');
  }

  /** List state of which every subtask gets the union of all subtasks' elements on restore. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.list(descriptor, 'union');
  }

  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    const existing = this.existing(descriptor, 'broadcast', 'map');
    if (existing !== undefined) return existing as BroadcastState<K, V>;
    const serializer = descriptor.serializer as TypeSerializer<unknown>;
    const context = `broadcast state '${descriptor.name}'`;
    const state = new HeapBroadcastState<K, V>(context);
    for (const bytes of this.takePending(descriptor.name, 'broadcast', serializer)) {
      const input = new DataInputDeserializer(bytes);
      state.put(decodeKey(input.readString()) as K, serializer.deserialize(input) as V);
      checkConsumed(input, descriptor.name);
    }
    this.states.set(descriptor.name, {
      mode: 'broadcast',
      serializer,
      handle: state,
      elements: (out) =>
        [...state.entries()].map(([k, v]) => {
          out.clear();
          out.writeString(encodeKey(k, context));
          serializer.serialize(v, out);
          return out.toUint8Array();
        }),
    });
    return state;
  }

  getRegisteredStateNames(): string[] {
    return [...this.states].filter(([, s]) => s.mode !== 'broadcast').map(([name]) => name);
  }

  getRegisteredBroadcastStateNames(): string[] {
    return [...this.states].filter(([, s]) => s.mode === 'broadcast').map(([name]) => name);
  }

  /** This subtask's operator state; restored states not asked for since are written unchanged. */
  snapshot(): Uint8Array {
    const out = new DataOutputSerializer(64);
    const parts: OperatorStatePart[] = [];
    for (const [name, s] of this.states) {
      if (s.mode === 'broadcast' && this.options.writeBroadcastState === false) continue;
      parts.push({ name, mode: s.mode, serializerKind: s.serializer.kind, elements: s.elements(out) });
    }
    for (const p of this.pending.values()) {
      if (p.mode !== 'broadcast' || this.options.writeBroadcastState !== false) parts.push(p);
    }
    return writeOperatorSnapshot(parts);
  }

  /** Takes one (redistributed) snapshot; call it before any state is asked for. */
  restore(snapshot: Uint8Array): void {
    if (this.states.size > 0 || this.pending.size > 0) throw invalidSnapshot('operator state can only be restored into a new store');
    for (const part of readOperatorSnapshot(snapshot)) this.pending.set(part.name, part);
  }

  private list<T>(descriptor: ListStateDescriptor<T>, mode: 'split' | 'union'): ListState<T> {
    const existing = this.existing(descriptor, mode, 'list');
    if (existing !== undefined) return existing as ListState<T>;
    const serializer = descriptor.serializer as TypeSerializer<unknown>;
    const state = new OperatorListState<T>(descriptor.name);
    const restored: T[] = [];
    for (const bytes of this.takePending(descriptor.name, mode, serializer)) {
      const input = new DataInputDeserializer(bytes);
      restored.push(serializer.deserialize(input) as T);
      checkConsumed(input, descriptor.name);
    }
    state.addAll(restored);
    this.states.set(descriptor.name, {
      mode,
      serializer,
      handle: state,
      elements: (out) =>
        state.get().map((v) => {
          out.clear();
          serializer.serialize(v, out);
          return out.toUint8Array();
        }),
    });
    return state;
  }

  private existing(descriptor: StateDescriptor<unknown, unknown>, mode: OperatorStateMode, kind: 'list' | 'map'): unknown {
    if ((descriptor as Partial<StateDescriptor<unknown, unknown>> | undefined)?.kind !== kind) {
      throw stateError(
        'UNKNOWN_STATE_DESCRIPTOR',
        `operator ${mode} state needs a ${kind === 'list' ? 'ListStateDescriptor' : 'MapStateDescriptor'}, got ${describe(descriptor)}`,
      );
    }
    if (descriptor.isTtlEnabled())
      throw stateError('STATE_INCOMPATIBLE', `state '${descriptor.name}': TTL applies to keyed state only, not to operator state`);
    const s = this.states.get(descriptor.name);
    if (s === undefined) return undefined;
    if (s.mode !== mode)
      throw stateError('STATE_INCOMPATIBLE', `operator state '${descriptor.name}' is ${s.mode} state, asked for as ${mode} state`);
    return s.handle;
  }

  private takePending(name: string, mode: OperatorStateMode, serializer: TypeSerializer<unknown>): Uint8Array[] {
    const p = this.pending.get(name);
    if (p === undefined) return [];
    if (p.mode !== mode)
      throw stateError('STATE_INCOMPATIBLE', `operator state '${name}' was restored as ${p.mode} state, asked for as ${mode} state`);
    if (p.serializerKind !== serializer.kind) {
      throw stateError(
        'STATE_INCOMPATIBLE',
        `operator state '${name}' was written with serializer ${p.serializerKind}, asked for with ${serializer.kind}`,
      );
    }
    this.pending.delete(name);
    return p.elements;
  }
}

function describe(d: unknown): string {
  const o = d as { constructor?: { name?: string }; name?: unknown } | null | undefined;
  return `${o?.constructor?.name ?? String(d)}${typeof o?.name === 'string' ? ` '${o.name}'` : ''}`;
}

function checkConsumed(input: DataInputDeserializer, name: string): void {
  if (input.available() !== 0) throw invalidSnapshot(`operator state '${name}': ${input.available()} unread bytes in an element`);
}

class OperatorListState<T> implements ListState<T> {
  private elements: T[] = [];

  constructor(private readonly name: string) {}

  get(): T[] {
    return this.elements.slice();
  }

  add(value: T): void {
    if (value === null || value === undefined) throw nullStateValue(this.name, String(value));
    this.elements.push(value);
  }

  addAll(values: Iterable<T>): void {
    for (const v of values) this.add(v);
  }

  update(values: Iterable<T>): void {
    const previous = this.elements;
    this.elements = [];
    try {
      this.addAll(values);
    } catch (e) {
      this.elements = previous;
      throw e;
    }
  }

  clear(): void {
    this.elements = [];
  }
}

class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  private readonly map: UserKeyMap<V>;

  constructor(context: string) {
    this.map = new UserKeyMap<V>(context);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  contains(key: K): boolean {
    return this.map.has(key);
  }

  put(key: K, value: V): void {
    this.map.set(key, value);
  }

  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.map.set(k, v);
  }

  remove(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    for (const [k] of [...this.map.entries()]) this.map.delete(k);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries() as IterableIterator<[K, V]>;
  }

  *keys(): IterableIterator<K> {
    for (const [k] of this.map.entries()) yield k as K;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.map.entries()) yield v;
  }

  isEmpty(): boolean {
    return this.map.size === 0;
  }
}
