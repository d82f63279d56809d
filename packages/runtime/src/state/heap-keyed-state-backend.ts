import {
  decodeKey,
  DataInputDeserializer,
  systemScheduler,
  type Clock,
  type DataOutputSerializer,
  type KeyGroupRange,
} from '@spindle/core';
import type { StateDescriptor } from './descriptors.js';
import { HeapListState } from './heap-list-state.js';
import { HeapMapState } from './heap-map-state.js';
import type { HeapState } from './heap-state.js';
import { HeapAggregatingState, HeapReducingState, HeapValueState } from './heap-value-states.js';
import { readKeyedSnapshot, writeKeyedSnapshot, type KeyGroupSection, type StateMetaInfo } from './keyed-snapshot-format.js';
import { cellOpsFor, type CellOps } from './state-cells.js';
import { invalidSnapshot, noKeyContext, stateError } from './state-errors.js';
import {
  encodedKeyOfStorage,
  isNamespacedStorageKey,
  KeyContext,
  keyGroupOfStorage,
  keyOfStorage,
  namespacedStorageKey,
  splitNamespacedStorageKey,
  StateTable,
  storageKeyOf,
  storageKeyOfEncoded,
  type NamespaceSerializer,
} from './state-table.js';
import { KeyGroupedTimerQueue } from './timer-queue.js';
import { TtlPolicy } from './ttl.js';

export interface KeyedStateBackendOptions {
  /** The job's number of key groups (`pipeline.max-parallelism`). */
  maxParallelism: number;
  /** The key groups this subtask owns. */
  keyGroupRange: KeyGroupRange;
  /** Time for state TTL; the system clock by default. */
  clock?: Clock;
}

/** The current key as timers and snapshots need it. */
export interface CurrentKey {
  key: unknown;
  encodedKey: string;
  keyGroup: number;
}

interface RegisteredState {
  meta: StateMetaInfo;
  table: StateTable<unknown>;
  ops: CellOps;
  handle: HeapState;
}

interface PendingState {
  meta: StateMetaInfo;
  sections: KeyGroupSection[];
}

/**
 * Keyed state on the heap, organised by key groups, as Flink's HashMapStateBackend: values are
 * kept as objects and serialized only into snapshots. One backend per keyed operator of a subtask;
 * it is used by the task's thread alone.
 *
 * The operator sets the current key (`setCurrentKey`) before it calls user code for an element or
 * a timer; every state handle then reads and writes that key's value. Each state keeps one map for
 * all keys of the backend's key groups; cells are stored under the key itself for primitive keys
 * and under core's key codec otherwise (storageKeyOf), and keys are encoded for snapshots. The key
 * group (core's assignToKeyGroup) is computed when it is needed (KeyContext.resolveKeyGroup): a
 * state access outside the value-state fast path, a key's first value, timers, and snapshots,
 * which group each state's entries by key group. A key of another subtask's key groups fails
 * there with KEY_GROUP_OUT_OF_RANGE, as Flink's state tables fail on access.
 */
export class HeapKeyedStateBackend {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  private readonly clock: Clock;
  private readonly ctx: KeyContext;
  /** The current key with its encoding, made when timers ask for it. */
  private current: CurrentKey | undefined;
  private readonly states = new Map<string, RegisteredState>();
  private readonly timerQueues = new Map<string, KeyGroupedTimerQueue>();
  private readonly pending = new Map<string, PendingState>();
  private readonly keySelectionListeners: (() => void)[] = [];

  constructor(options: KeyedStateBackendOptions) {
    const { maxParallelism, keyGroupRange: range } = options;
    if (!(range.start >= 0 && range.start <= range.end && range.end < maxParallelism)) {
      throw new RangeError(`key group range [${range.start}, ${range.end}] does not fit a maximum parallelism of ${maxParallelism}`);
    }
    this.maxParallelism = maxParallelism;
    this.keyGroupRange = { start: range.start, end: range.end };
    this.clock = options.clock ?? systemScheduler;
    this.ctx = new KeyContext(maxParallelism, this.keyGroupRange);
  }

  /**
   * Makes `key` the current key (INVALID_KEY for a value that cannot be a key). A key of another
   * subtask's key groups fails with KEY_GROUP_OUT_OF_RANGE when its state or a timer is used.
   */
  setCurrentKey(key: unknown): void {
    // A string that does not start with U+0000 or U+0001 is its own storage key (see storageKeyOf).
    const storageKey = typeof key === 'string' && key.charCodeAt(0) > 1 ? key : storageKeyOf(key);
    this.select(key, -1, storageKey, undefined);
  }

  /** @internal Sets a key whose encoding and key group are known (timers, key iteration). */
  setCurrentKeyResolved(current: CurrentKey): void {
    this.select(current.key, current.keyGroup, storageKeyOfEncoded(current.key, current.encodedKey), current);
  }

  /** Allocates nothing: the per-record path. `keyGroup` is -1 when not known yet. */
  private select(key: unknown, keyGroup: number, storageKey: unknown, current: CurrentKey | undefined): void {
    const ctx = this.ctx;
    ctx.active = true;
    ctx.key = storageKey;
    ctx.userKey = key;
    ctx.keyGroup = keyGroup;
    this.current = current;
    const listeners = this.keySelectionListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!();
  }

  getCurrentKey(): unknown {
    return this.ctx.active ? this.ctx.userKey : undefined;
  }

  /** The current key's key group (-1 without a current key); KEY_GROUP_OUT_OF_RANGE for a key of another subtask. */
  getCurrentKeyGroupIndex(): number {
    return this.ctx.active ? this.ctx.resolveKeyGroup() : -1;
  }

  /**
   * @internal The current key for timers; throws NO_KEY_CONTEXT naming `what` without one and
   * KEY_GROUP_OUT_OF_RANGE for a key of another subtask.
   */
  currentKeyOrThrow(what: string): CurrentKey {
    const ctx = this.ctx;
    if (!ctx.active) throw noKeyContext(what);
    this.current ??= { key: ctx.userKey, encodedKey: encodedKeyOfStorage(ctx.key), keyGroup: ctx.resolveKeyGroup() };
    return this.current;
  }

  /** @internal The current key's state, as a snapshot restores or iterates it. */
  private resolvedCurrent(): CurrentKey | undefined {
    return this.ctx.active ? this.currentKeyOrThrow('') : undefined;
  }

  /**
   * The state handle of a descriptor, created on first use (restored entries are read then). The
   * same name always gives the same handle; asking with another kind, TTL setting or serializer
   * kind throws STATE_INCOMPATIBLE. The handle is in the default namespace until its
   * `setCurrentNamespace` (see InternalKvState) names another, which `namespaceSerializer`
   * (core's key codec by default) encodes.
   */
  getPartitionedState<S>(descriptor: StateDescriptor<S, unknown>, namespaceSerializer?: NamespaceSerializer<unknown>): S {
    const existing = this.states.get(descriptor.name);
    const meta = metaOf(descriptor);
    let registered: RegisteredState;
    if (existing !== undefined) {
      checkCompatible(existing.meta, meta, 'registered before');
      registered = existing;
    } else registered = this.register(descriptor, meta);
    if (namespaceSerializer !== undefined) registered.handle.namespaceSerializer = namespaceSerializer;
    return registered.handle as S;
  }

  /** Keys that have a value in the default namespace of state `stateName` (none for a state not asked for yet), decoded. */
  *getKeys(stateName: string): IterableIterator<unknown> {
    const registered = this.states.get(stateName);
    if (registered === undefined) return;
    for (const storageKey of registered.table.cells.keys()) if (!isNamespacedStorageKey(storageKey)) yield keyOfStorage(storageKey);
  }

  /**
   * Calls `fn` for every key with a value in the descriptor's state (default namespace), with that key current and its
   * state handle (Flink's applyToAllKeys, used by broadcast processing). Keys are collected first,
   * so `fn` may clear or write state. The previous current key is restored afterwards.
   */
  applyToAllKeys<S>(descriptor: StateDescriptor<S, unknown>, fn: (key: unknown, state: S) => void): void {
    const state = this.getPartitionedState(descriptor);
    const table = this.states.get(descriptor.name)!.table;
    const keys: CurrentKey[] = [];
    for (const storageKey of table.cells.keys()) {
      if (isNamespacedStorageKey(storageKey)) continue;
      keys.push({
        key: keyOfStorage(storageKey),
        encodedKey: encodedKeyOfStorage(storageKey),
        keyGroup: keyGroupOfStorage(storageKey, this.maxParallelism),
      });
    }
    const previous = this.resolvedCurrent();
    try {
      for (const k of keys) {
        this.setCurrentKeyResolved(k);
        fn(k.key, state);
      }
    } finally {
      if (previous === undefined) this.clearCurrentKey();
      else this.setCurrentKeyResolved(previous);
    }
  }

  /** Calls `listener` after every change of the current key (TTL cleanup per record). */
  registerKeySelectionListener(listener: () => void): void {
    this.keySelectionListeners.push(listener);
  }

  /**
   * @internal The timer queue `name` of a timer service, created (or taken from a restore) on first
   * use; restored namespaces are decoded with `decodeNamespace`.
   */
  timerQueue(name: string, decodeNamespace?: (encoded: string) => unknown): KeyGroupedTimerQueue {
    let queue = this.timerQueues.get(name);
    if (queue !== undefined) return queue;
    queue = new KeyGroupedTimerQueue(this.keyGroupRange, decodeNamespace);
    this.timerQueues.set(name, queue);
    const restored = this.takePending({ name, kind: 'timers', serializerKind: '', ttl: false });
    for (const s of restored) readSection(s.bytes, (input) => queue.readKeyGroup(s.keyGroup, input));
    return queue;
  }

  /**
   * A snapshot of every state and timer queue of this backend, per key group (format in
   * keyed-snapshot-format.ts). States restored but not asked for since are written unchanged;
   * states with TTL and `cleanupFullSnapshot` leave expired values out.
   */
  snapshot(): Uint8Array {
    const metas: StateMetaInfo[] = [];
    const writers: ((kg: number, out: DataOutputSerializer) => boolean)[] = [];
    for (const s of this.states.values()) {
      metas.push(s.meta);
      writers.push(this.stateWriter(s));
    }
    for (const [name, queue] of this.timerQueues) {
      metas.push({ name, kind: 'timers', serializerKind: '', ttl: false });
      writers.push((kg, out) => {
        if (queue.timersOfKeyGroup(kg).next().done === true) return false;
        queue.writeKeyGroup(kg, out);
        return true;
      });
    }
    for (const p of this.pending.values()) {
      metas.push(p.meta);
      const byGroup = new Map(p.sections.map((s) => [s.keyGroup, s.bytes]));
      writers.push((kg, out) => {
        const bytes = byGroup.get(kg);
        if (bytes !== undefined) out.writeBytes(bytes);
        return bytes !== undefined;
      });
    }
    return writeKeyedSnapshot({
      maxParallelism: this.maxParallelism,
      range: this.keyGroupRange,
      states: metas,
      writeSection: (i, kg, out) => writers[i]!(kg, out),
    });
  }

  /**
   * Takes this backend's key groups out of snapshot parts written by backends of any key-group
   * ranges (any parallelism) of the same maximum parallelism. Call it before any state or timer
   * is used. Entries are deserialized when their state is first asked for.
   */
  restore(parts: Iterable<Uint8Array>): void {
    if (this.states.size > 0 || this.timerQueues.size > 0 || this.pending.size > 0) {
      throw invalidSnapshot('keyed state can only be restored into a new backend');
    }
    const seen = new Set<number>();
    for (const bytes of parts) {
      const part = readKeyedSnapshot(bytes, this.keyGroupRange);
      if (part.maxParallelism !== this.maxParallelism) {
        throw invalidSnapshot(
          `the snapshot was taken with a maximum parallelism of ${part.maxParallelism}, the job now has ${this.maxParallelism}; keyed state cannot be moved between them`,
        );
      }
      const groups = new Set<number>();
      part.states.forEach((meta, i) => this.addPending(meta, part.sections[i]!, groups));
      for (const kg of groups) {
        if (seen.has(kg)) throw invalidSnapshot(`key group ${kg} appears in more than one snapshot part`);
        seen.add(kg);
      }
    }
  }

  /** Forgets the current key, so state access fails until the next setCurrentKey. */
  clearCurrentKey(): void {
    const ctx = this.ctx;
    this.current = undefined;
    ctx.active = false;
    ctx.key = undefined;
    ctx.userKey = undefined;
    ctx.keyGroup = -1;
  }

  private register(descriptor: StateDescriptor<unknown, unknown>, meta: StateMetaInfo): RegisteredState {
    const ttlConfig = descriptor.getTtlConfig();
    const ttl = ttlConfig === undefined ? undefined : new TtlPolicy(ttlConfig, this.clock);
    const ops = cellOpsFor(descriptor.kind, descriptor.serializer, ttl, meta.name);
    const table = new StateTable<unknown>(ttl, ops.purge);
    const registered: RegisteredState = { meta, table, ops, handle: createHandle(descriptor, table, this.ctx) };
    const cells = table.cells;
    for (const s of this.takePending(meta)) {
      readSection(s.bytes, (input) => {
        for (let n = input.readVarUint(), i = 0; i < n; i++) {
          const encodedKey = input.readString();
          const namespaced = s.version >= 2 && input.readByte() === 1;
          const storageKey = namespaced
            ? namespacedStorageKey(encodedKey, input.readString())
            : storageKeyOfEncoded(decodeKey(encodedKey), encodedKey);
          cells.set(storageKey, ops.read(input));
        }
      });
    }
    this.states.set(meta.name, registered);
    if (ttl?.incremental?.runCleanupForEveryRecord === true) {
      const size = ttl.incremental.cleanupSize;
      this.registerKeySelectionListener(() => table.cleanupStep(size));
    }
    return registered;
  }

  private stateWriter(s: RegisteredState): (kg: number, out: DataOutputSerializer) => boolean {
    const dropExpired = s.table.ttl?.cleanupFullSnapshot === true;
    const now = this.clock.now();
    const byKeyGroup = s.table.byKeyGroup(this.maxParallelism);
    return (kg, out) => {
      const group = byKeyGroup.get(kg);
      if (group === undefined) return false;
      const kept: [unknown, unknown][] = [];
      for (const [key, cell] of group) {
        const k = dropExpired ? s.ops.purge(cell, now) : cell;
        if (k !== undefined) kept.push([key, k]);
      }
      if (kept.length === 0) return false;
      out.writeVarUint(kept.length);
      for (const [key, cell] of kept) {
        if (isNamespacedStorageKey(key)) {
          const [encodedKey, encodedNamespace] = splitNamespacedStorageKey(key);
          out.writeString(encodedKey);
          out.writeByte(1);
          out.writeString(encodedNamespace);
        } else {
          out.writeString(encodedKeyOfStorage(key));
          out.writeByte(0);
        }
        s.ops.write(cell, out);
      }
      return true;
    };
  }

  private addPending(meta: StateMetaInfo, sections: KeyGroupSection[], groups: Set<number>): void {
    const known = this.pending.get(meta.name);
    if (known === undefined) this.pending.set(meta.name, { meta, sections: [...sections] });
    else {
      checkCompatible(known.meta, meta, 'in another snapshot part');
      known.sections.push(...sections);
    }
    for (const s of sections) groups.add(s.keyGroup);
  }

  private takePending(meta: StateMetaInfo): KeyGroupSection[] {
    const p = this.pending.get(meta.name);
    if (p === undefined) return [];
    checkCompatible(p.meta, meta, 'in the restored snapshot');
    this.pending.delete(meta.name);
    return p.sections;
  }
}

function createHandle(descriptor: StateDescriptor<unknown, unknown>, table: StateTable<unknown>, ctx: KeyContext): HeapState {
  const d = descriptor as unknown as Record<string, unknown>;
  switch (descriptor.kind) {
    case 'value':
      return new HeapValueState(descriptor.name, table, ctx, d.defaultValue);
    case 'list':
      return new HeapListState(descriptor.name, table, ctx);
    case 'map':
      return new HeapMapState(descriptor.name, table, ctx);
    case 'reducing':
      return new HeapReducingState(descriptor.name, table, ctx, d.reduceFunction as (a: unknown, b: unknown) => unknown);
    case 'aggregating':
      return new HeapAggregatingState(descriptor.name, table, ctx, d.aggregateFunction as never);
  }
}

const SUPPORTED = 'ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, AggregatingStateDescriptor';

function metaOf(descriptor: StateDescriptor<unknown, unknown>): StateMetaInfo {
  const d = descriptor as Partial<StateDescriptor<unknown, unknown>> | null | undefined;
  const name = typeof d?.name === 'string' ? `'${d.name}'` : '(unnamed)';
  const kind = d?.kind;
  if (!['value', 'list', 'map', 'reducing', 'aggregating'].includes(kind as string) || typeof d?.serializer?.serialize !== 'function') {
    throw stateError(
      'UNKNOWN_STATE_DESCRIPTOR',
      `unknown state descriptor ${name} of kind ${String(kind)}; keyed state is asked for with one of ${SUPPORTED}`,
    );
  }
  return { name: descriptor.name, kind: descriptor.kind, serializerKind: descriptor.serializer.kind, ttl: descriptor.isTtlEnabled() };
}

function checkCompatible(known: StateMetaInfo, asked: StateMetaInfo, where: string): void {
  const differs =
    known.kind !== asked.kind
      ? `kind ${known.kind} ${where}, ${asked.kind} now`
      : known.ttl !== asked.ttl
        ? `TTL ${known.ttl ? 'enabled' : 'disabled'} ${where}, ${asked.ttl ? 'enabled' : 'disabled'} now`
        : known.serializerKind !== asked.serializerKind
          ? `serializer ${known.serializerKind} ${where}, ${asked.serializerKind} now`
          : undefined;
  if (differs !== undefined) throw stateError('STATE_INCOMPATIBLE', `state '${asked.name}' is incompatible: ${differs}`);
}

function readSection(bytes: Uint8Array, read: (input: DataInputDeserializer) => void): void {
  const input = new DataInputDeserializer(bytes);
  read(input);
  if (input.available() !== 0) throw invalidSnapshot(`${input.available()} unread bytes at the end of a state section`);
}
