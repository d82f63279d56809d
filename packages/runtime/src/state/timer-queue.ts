import type { DataInputDeserializer, DataOutputSerializer, KeyGroupRange } from '@spindle/core';
import { decodeKey } from '@spindle/core';

/** A timer as the operator sees it when it fires: its time, its key and its namespace. */
export interface InternalTimer<K = unknown, N = unknown> {
  readonly timestamp: number;
  readonly key: K;
  readonly namespace: N;
}

/** Timers of one (timestamp, key group, namespace) by encoded key: deduplication and deletion. */
type KeyTimers = Map<string, TimerEntry>;

/**
 * A queued timer. (time, namespace, key) makes a registration unique. It also serves as the
 * backend's current key while it fires (it has the key, its encoding and its key group).
 */
export class TimerEntry implements InternalTimer {
  /** Neighbours in the registration order of the timers of its timestamp. */
  prev: TimerEntry | undefined = undefined;
  next: TimerEntry | undefined = undefined;

  constructor(
    readonly timestamp: number,
    readonly key: unknown,
    readonly namespace: unknown,
    readonly encodedKey: string,
    readonly encodedNamespace: string,
    readonly keyGroup: number,
    /** The map that holds this timer for deduplication. */
    readonly owner: KeyTimers,
  ) {}
}

/** The timers of one timestamp: a list in registration order, and by key group, namespace and key. */
class TimeBucket {
  first: TimerEntry | undefined = undefined;
  last: TimerEntry | undefined = undefined;
  readonly groups = new Map<number, Map<string, KeyTimers>>();

  constructor(readonly timestamp: number) {}

  keyTimers(keyGroup: number, encodedNamespace: string, create: boolean): KeyTimers | undefined {
    let byNamespace = this.groups.get(keyGroup);
    if (byNamespace === undefined) {
      if (!create) return undefined;
      this.groups.set(keyGroup, (byNamespace = new Map<string, KeyTimers>()));
    }
    let keys = byNamespace.get(encodedNamespace);
    if (keys === undefined && create) byNamespace.set(encodedNamespace, (keys = new Map<string, TimerEntry>()));
    return keys;
  }

  append(entry: TimerEntry): void {
    entry.prev = this.last;
    if (this.last === undefined) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
  }

  unlink(entry: TimerEntry): void {
    if (entry.prev === undefined) this.first = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.last = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = entry.next = undefined;
  }
}

/**
 * Timers of one kind (event or processing time) of one timer service, grouped by timestamp (many
 * keys share few timestamps, e.g. window ends): a binary min-heap of the distinct timestamps, and
 * per timestamp the timers in registration order plus a map per key group, namespace and key for
 * deduplication, deletion and per-key-group snapshots (Flink's HeapPriorityQueueSet partitioned by
 * key group). Timers fire in timestamp order, those of one timestamp in registration order.
 *
 * Snapshot encoding of one key group: `varuint n`, then n × `string key (key codec), string
 * namespace (the timer service's NamespaceSerializer), float64 timestamp`.
 */
export class KeyGroupedTimerQueue {
  /** Buckets by timestamp; a timestamp is in `heap` exactly when it has a bucket here. */
  private readonly buckets = new Map<number, TimeBucket>();
  private readonly heap: TimeBucket[] = [];
  private count = 0;

  constructor(
    private readonly range: KeyGroupRange,
    private readonly decodeNamespace: (encoded: string) => unknown = decodeKey,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Adds a timer unless the same (time, key, namespace) is queued; true when added. */
  add(timestamp: number, key: unknown, encodedKey: string, keyGroup: number, namespace: unknown, encodedNamespace: string): boolean {
    this.checkKeyGroup(keyGroup);
    let bucket = this.buckets.get(timestamp);
    if (bucket === undefined) bucket = this.newBucket(timestamp);
    const keys = bucket.keyTimers(keyGroup, encodedNamespace, true)!;
    if (keys.has(encodedKey)) return false;
    const entry = new TimerEntry(timestamp, key, namespace, encodedKey, encodedNamespace, keyGroup, keys);
    keys.set(encodedKey, entry);
    bucket.append(entry);
    this.count++;
    return true;
  }

  /** Removes a queued timer; true when it was there. */
  remove(timestamp: number, encodedKey: string, keyGroup: number, encodedNamespace: string): boolean {
    this.checkKeyGroup(keyGroup);
    const bucket = this.buckets.get(timestamp);
    const keys = bucket?.keyTimers(keyGroup, encodedNamespace, false);
    const entry = keys?.get(encodedKey);
    if (entry === undefined) return false;
    keys!.delete(encodedKey);
    bucket!.unlink(entry);
    this.count--;
    return true;
  }

  peek(): TimerEntry | undefined {
    return this.headBucket()?.first;
  }

  poll(): TimerEntry | undefined {
    const bucket = this.headBucket();
    const head = bucket?.first;
    if (head === undefined) return undefined;
    head.owner.delete(head.encodedKey);
    bucket!.unlink(head);
    this.count--;
    return head;
  }

  *timersOfKeyGroup(keyGroup: number): IterableIterator<TimerEntry> {
    for (const bucket of this.buckets.values()) {
      const byNamespace = bucket.groups.get(keyGroup);
      if (byNamespace === undefined) continue;
      for (const keys of byNamespace.values()) yield* keys.values();
    }
  }

  writeKeyGroup(keyGroup: number, out: DataOutputSerializer): void {
    const timers = [...this.timersOfKeyGroup(keyGroup)];
    out.writeVarUint(timers.length);
    for (const t of timers) {
      out.writeString(t.encodedKey);
      out.writeString(t.encodedNamespace);
      out.writeFloat64(t.timestamp);
    }
  }

  readKeyGroup(keyGroup: number, input: DataInputDeserializer): void {
    const n = input.readVarUint();
    for (let i = 0; i < n; i++) {
      const encodedKey = input.readString();
      const encodedNamespace = input.readString();
      const timestamp = input.readFloat64();
      this.add(timestamp, decodeKey(encodedKey), encodedKey, keyGroup, this.decodeNamespace(encodedNamespace), encodedNamespace);
    }
  }

  private checkKeyGroup(keyGroup: number): void {
    if (keyGroup < this.range.start || keyGroup > this.range.end) {
      throw new RangeError(`key group ${keyGroup} is outside [${this.range.start}, ${this.range.end}]`);
    }
  }

  private newBucket(timestamp: number): TimeBucket {
    const bucket = new TimeBucket(timestamp);
    this.buckets.set(timestamp, bucket);
    this.heap.push(bucket);
    this.siftUp(this.heap.length - 1);
    return bucket;
  }

  /** The earliest bucket with timers; buckets emptied by polls or deletions are dropped here. */
  private headBucket(): TimeBucket | undefined {
    for (let head = this.heap[0]; head !== undefined; head = this.heap[0]) {
      if (head.first !== undefined) return head;
      this.buckets.delete(head.timestamp);
      this.removeHead();
    }
    return undefined;
  }

  private removeHead(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const bucket = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.timestamp <= bucket.timestamp) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = bucket;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const bucket = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.timestamp < heap[left]!.timestamp ? right : left;
      const c = heap[child]!;
      if (c.timestamp >= bucket.timestamp) break;
      heap[index] = c;
      index = child;
    }
    heap[index] = bucket;
  }
}
