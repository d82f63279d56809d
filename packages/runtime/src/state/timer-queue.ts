import type { DataInputDeserializer, DataOutputSerializer, KeyGroupRange } from '@spindle/core';
import { decodeKey } from '@spindle/core';

/** A timer as the operator sees it when it fires: its time, its key and its namespace. */
export interface InternalTimer<K = unknown, N = unknown> {
  readonly timestamp: number;
  readonly key: K;
  readonly namespace: N;
}

/**
 * A queued timer. (time, namespace, key) makes a registration unique. It also serves as the
 * backend's current key while it fires (it has the key, its encoding and its key group).
 */
export class TimerEntry implements InternalTimer {
  /** Neighbours in the registration order of the timers of its timestamp. */
  prev: TimerEntry | undefined = undefined;
  next: TimerEntry | undefined = undefined;
  /** The next timer of the same timestamp and key (another namespace). */
  sameKey: TimerEntry | undefined = undefined;

  constructor(
    readonly timestamp: number,
    readonly key: unknown,
    readonly namespace: unknown,
    readonly encodedKey: string,
    readonly encodedNamespace: string,
    readonly keyGroup: number,
  ) {}
}

/**
 * The timers of one timestamp: a list in registration order, and by encoded key the key's timers
 * (one per namespace, chained by `sameKey`), for deduplication and deletion. A key's key group
 * follows from the key, so the key alone tells timers apart with the namespace.
 */
class TimeBucket {
  first: TimerEntry | undefined = undefined;
  last: TimerEntry | undefined = undefined;
  readonly byKey = new Map<string, TimerEntry>();

  constructor(readonly timestamp: number) {}

  find(encodedKey: string, encodedNamespace: string): TimerEntry | undefined {
    for (let e = this.byKey.get(encodedKey); e !== undefined; e = e.sameKey) if (e.encodedNamespace === encodedNamespace) return e;
    return undefined;
  }

  /** Adds the entry unless a timer of its key and namespace is here; true when added. */
  insert(entry: TimerEntry): boolean {
    const head = this.byKey.get(entry.encodedKey);
    for (let e = head; e !== undefined; e = e.sameKey) if (e.encodedNamespace === entry.encodedNamespace) return false;
    entry.sameKey = head;
    this.byKey.set(entry.encodedKey, entry);
    entry.prev = this.last;
    if (this.last === undefined) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
    return true;
  }

  delete(entry: TimerEntry): void {
    const head = this.byKey.get(entry.encodedKey)!;
    if (head === entry) {
      if (entry.sameKey === undefined) this.byKey.delete(entry.encodedKey);
      else this.byKey.set(entry.encodedKey, entry.sameKey);
    } else {
      let before = head;
      while (before.sameKey !== entry) before = before.sameKey!;
      before.sameKey = entry.sameKey;
    }
    entry.sameKey = undefined;
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
 * per timestamp the timers in registration order plus a map by key for deduplication and deletion
 * (Flink's HeapPriorityQueueSet). Timers fire in timestamp order, those of one timestamp in
 * registration order. A snapshot, key group by key group, groups the timers by key group in one
 * pass over them, kept until the queue changes.
 *
 * Snapshot encoding of one key group: `varuint n`, then n × `string key (key codec), string
 * namespace (the timer service's NamespaceSerializer), float64 timestamp`.
 */
export class KeyGroupedTimerQueue {
  /** Buckets by timestamp; a timestamp is in `heap` exactly when it has a bucket here. */
  private readonly buckets = new Map<number, TimeBucket>();
  private readonly heap: TimeBucket[] = [];
  private count = 0;
  /** The timers by key group, in timestamp-bucket order: made for a snapshot, dropped on every change. */
  private byKeyGroup: Map<number, TimerEntry[]> | undefined;

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
    if (!bucket.insert(new TimerEntry(timestamp, key, namespace, encodedKey, encodedNamespace, keyGroup))) return false;
    this.count++;
    this.byKeyGroup = undefined;
    return true;
  }

  /** Removes a queued timer; true when it was there. */
  remove(timestamp: number, encodedKey: string, keyGroup: number, encodedNamespace: string): boolean {
    this.checkKeyGroup(keyGroup);
    const bucket = this.buckets.get(timestamp);
    const entry = bucket?.find(encodedKey, encodedNamespace);
    if (entry === undefined) return false;
    bucket!.delete(entry);
    this.count--;
    this.byKeyGroup = undefined;
    return true;
  }

  peek(): TimerEntry | undefined {
    return this.headBucket()?.first;
  }

  poll(): TimerEntry | undefined {
    const bucket = this.headBucket();
    const head = bucket?.first;
    if (head === undefined) return undefined;
    bucket!.delete(head);
    this.count--;
    this.byKeyGroup = undefined;
    return head;
  }

  /** The timers of a key group, in timestamp-bucket order and in registration order within a timestamp. */
  *timersOfKeyGroup(keyGroup: number): IterableIterator<TimerEntry> {
    yield* this.keyGroupIndex().get(keyGroup) ?? [];
  }

  private keyGroupIndex(): Map<number, TimerEntry[]> {
    if (this.byKeyGroup !== undefined) return this.byKeyGroup;
    const index = new Map<number, TimerEntry[]>();
    for (const bucket of this.buckets.values()) {
      for (let e = bucket.first; e !== undefined; e = e.next) {
        const group = index.get(e.keyGroup);
        if (group === undefined) index.set(e.keyGroup, [e]);
        else group.push(e);
      }
    }
    return (this.byKeyGroup = index);
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
