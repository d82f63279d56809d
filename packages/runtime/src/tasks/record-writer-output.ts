import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '@spindle/core';
import type { PartitionerKind } from '@spindle/protocol';
import type { ResultPartitionWriter as ResultPartition } from '../network/result-partition-writer.js';
import type { Watermark, WatermarkStatus } from '../network/stream-elements.js';
import type { Output } from './operator.js';

export type KeySelector = (record: unknown) => unknown;

/**
 * Serializes the stream of a chain's tail into a partition: records go to the subpartitions the
 * edge's partitioner chooses, watermarks and statuses to all of them.
 */
export function recordWriterOutput(
  partition: ResultPartition,
  partitioner: PartitionerKind,
  opts: { subtaskIndex: number; maxParallelism: number; keySelector?: KeySelector; keyedOperatorName?: string },
): Output {
  const n = partition.numSubpartitions;
  switch (partitioner) {
    case 'forward':
    case 'global':
      return new SingleChannelOutput(partition);
    case 'broadcast':
      return new BroadcastOutput(partition);
    case 'rebalance': {
      let next = opts.subtaskIndex % n;
      return new ChannelOutput(partition, () => {
        const channel = next;
        next = next + 1 === n ? 0 : next + 1;
        return channel;
      });
    }
    case 'shuffle':
      return new ChannelOutput(partition, () => Math.floor(Math.random() * n));
    case 'hash':
      return new KeyGroupOutput(
        partition,
        n,
        opts.maxParallelism,
        opts.keySelector!,
        `keyBy of '${opts.keyedOperatorName ?? 'a keyed operator'}'`,
      );
  }
}

/** Watermarks and statuses are for every consumer: they go to every subpartition. */
abstract class PartitionOutput implements Output {
  constructor(protected readonly partition: ResultPartition) {}

  abstract collect(record: unknown, timestamp?: number): void;

  emitWatermark(mark: Watermark): void {
    this.partition.broadcastWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.partition.broadcastWatermarkStatus(status);
  }
}

class ChannelOutput extends PartitionOutput {
  constructor(
    partition: ResultPartition,
    private readonly nextChannel: () => number,
  ) {
    super(partition);
  }

  collect(record: unknown, timestamp?: number): void {
    this.partition.emit(record, this.nextChannel(), timestamp);
  }
}

/** forward and global: every record to subpartition 0. */
class SingleChannelOutput extends PartitionOutput {
  collect(record: unknown, timestamp?: number): void {
    this.partition.emit(record, 0, timestamp);
  }
}

class BroadcastOutput extends PartitionOutput {
  collect(record: unknown, timestamp?: number): void {
    this.partition.broadcast(record, timestamp);
  }
}

/** Distinct string keys whose channel a keyBy remembers at once. */
export const KEY_CHANNEL_CACHE_SIZE = 8192;

/**
 * keyBy: key → key group (core's key codec) → the consumer subtask that owns the group. The
 * channels of recent string keys are remembered: a Map lookup uses the string hash V8 keeps with
 * the string, cheaper than the stable key hash computed again for every record. A full cache that
 * served fewer hits than it holds keys is dropped for good (keys too diverse for it to pay), and
 * every key is hashed from then on. An invalid key fails the record with a message naming keyBy's
 * operator (`context`).
 */
class KeyGroupOutput extends PartitionOutput {
  private readonly channelOfGroup: Int32Array;
  private channelOfKey: Map<string, number> | undefined = new Map();
  private cacheHits = 0;

  constructor(
    partition: ResultPartition,
    numChannels: number,
    private readonly maxParallelism: number,
    private readonly keySelector: KeySelector,
    private readonly context: string,
  ) {
    super(partition);
    this.channelOfGroup = Int32Array.from({ length: maxParallelism }, (_, g) =>
      computeOperatorIndexForKeyGroup(maxParallelism, numChannels, g),
    );
  }

  collect(record: unknown, timestamp?: number): void {
    const key = this.keySelector(record);
    const cache = this.channelOfKey;
    if (typeof key !== 'string' || cache === undefined) {
      this.partition.emit(record, this.channelOfGroup[assignToKeyGroup(key, this.maxParallelism, this.context)]!, timestamp);
      return;
    }
    let channel = cache.get(key);
    if (channel === undefined) channel = this.remember(cache, key);
    else this.cacheHits++;
    this.partition.emit(record, channel, timestamp);
  }

  private remember(cache: Map<string, number>, key: string): number {
    const channel = this.channelOfGroup[assignToKeyGroup(key, this.maxParallelism, this.context)]!;
    if (cache.size >= KEY_CHANNEL_CACHE_SIZE) {
      if (this.cacheHits < KEY_CHANNEL_CACHE_SIZE) {
        this.channelOfKey = undefined;
        return channel;
      }
      cache.clear();
      this.cacheHits = 0;
    }
    cache.set(key, channel);
    return channel;
  }

  /** Whether string keys still go through the channel cache (for tests). */
  get cachesKeys(): boolean {
    return this.channelOfKey !== undefined;
  }
}
