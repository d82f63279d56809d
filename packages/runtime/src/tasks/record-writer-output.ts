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

/**
 * keyBy: key → key group (core's key codec) → the consumer subtask that owns the group. The key
 * group is computed for every record: the stable key hash of a string key costs less than a
 * lookup in a Map of recent keys would (which hashes the string too, and then probes the table;
 * keys are new strings from upstream operators, whose engine hash is not cached yet).
 * An invalid key fails the record with a message naming keyBy's operator (`context`).
 */
class KeyGroupOutput extends PartitionOutput {
  private readonly channelOfGroup: Int32Array;

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
    this.partition.emit(record, this.channelOfGroup[assignToKeyGroup(key, this.maxParallelism, this.context)]!, timestamp);
  }
}
