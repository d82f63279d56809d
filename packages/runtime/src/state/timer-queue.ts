import type { DataInputDeserializer, DataOutputSerializer, KeyGroupRange } from '@spindle/core';
import { decodeKey } from '@spindle/core';

/** A timer as the operator sees it when it fires: its time, its key and its namespace. */
export interface InternalTimer<K = unknown, N = unknown> {
  readonly timestamp: number;
  readonly key: K;
  readonly namespace: N;
}

/** A queued timer; `id` (time, namespace, key) makes a registration unique. */
export interface TimerEntry extends InternalTimer {
  readonly encodedKey: string;
  readonly encodedNamespace: string;
  readonly keyGroup: number;
  readonly id: string;
  heapIndex: number;
  seq: number;
}

/**
 * Timers of one kind (event or processing time) of one timer service: a binary min-heap over all
 * timers of the subtask (by timestamp, then registration order) for firing, and one map per key
 * group from id to timer for deduplication, deletion and per-key-group snapshots (Flink's
 * HeapPriorityQueueSet partitioned by key group).
 *
 * Snapshot encoding of one key group: `varuint n`, then n × `string key (key codec), string
 * namespace (the timer service's NamespaceSerializer), float64 timestamp`.
 */
export class KeyGroupedTimerQueue {
  private readonly heap: TimerEntry[] = [];
  private readonly byGroup: Map<string, TimerEntry>[];
  private nextSeq = 0;

  constructor(
    private readonly range: KeyGroupRange,
    private readonly decodeNamespace: (encoded: string) => unknown = decodeKey,
  ) {
    this.byGroup = Array.from({ length: range.end - range.start + 1 }, () => new Map<string, TimerEntry>());
  }

  get size(): number {
    return this.heap.length;
  }

  /** Adds a timer unless the same (time, key, namespace) is queued; true when added. */
  add(timestamp: number, key: unknown, encodedKey: string, keyGroup: number, namespace: unknown, encodedNamespace: string): boolean {
    const group = this.group(keyGroup);
    const id = timerId(timestamp, encodedKey, encodedNamespace);
    if (group.has(id)) return false;
    const entry: TimerEntry = {
      timestamp,
      key,
      namespace,
      encodedKey,
      encodedNamespace,
      keyGroup,
      id,
      heapIndex: this.heap.length,
      seq: this.nextSeq++,
    };
    group.set(id, entry);
    this.heap.push(entry);
    this.siftUp(entry.heapIndex);
    return true;
  }

  /** Removes a queued timer; true when it was there. */
  remove(timestamp: number, encodedKey: string, keyGroup: number, encodedNamespace: string): boolean {
    const group = this.group(keyGroup);
    const id = timerId(timestamp, encodedKey, encodedNamespace);
    const entry = group.get(id);
    if (entry === undefined) return false;
    group.delete(id);
    this.removeAt(entry.heapIndex);
    return true;
  }

  peek(): TimerEntry | undefined {
    return this.heap[0];
  }

  poll(): TimerEntry | undefined {
    const head = this.heap[0];
    if (head === undefined) return undefined;
    this.group(head.keyGroup).delete(head.id);
    this.removeAt(0);
    return head;
  }

  timersOfKeyGroup(keyGroup: number): IterableIterator<TimerEntry> {
    return this.group(keyGroup).values();
  }

  writeKeyGroup(keyGroup: number, out: DataOutputSerializer): void {
    const group = this.group(keyGroup);
    out.writeVarUint(group.size);
    for (const t of group.values()) {
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

  private group(keyGroup: number): Map<string, TimerEntry> {
    const g = this.byGroup[keyGroup - this.range.start];
    if (g === undefined) throw new RangeError(`key group ${keyGroup} is outside [${this.range.start}, ${this.range.end}]`);
    return g;
  }

  private removeAt(index: number): void {
    const last = this.heap.pop()!;
    if (index === this.heap.length) return;
    this.heap[index] = last;
    last.heapIndex = index;
    this.siftDown(index);
    this.siftUp(last.heapIndex);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(entry, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      const c = heap[child]!;
      if (!before(c, entry)) break;
      heap[index] = c;
      c.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}

/** Key-codec encodings are self-delimiting, so the concatenation is unambiguous. */
function timerId(timestamp: number, encodedKey: string, encodedNamespace: string): string {
  return `${timestamp};${encodedNamespace}${encodedKey}`;
}
