import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '@spindle/core';
import type { PartitionerKind } from '@spindle/protocol';
import type { ResultPartition } from '../network/result-partition.js';
import type { Output } from './operator.js';

export type KeySelector = (record: unknown) => unknown;

/** Serializes the records of a chain's tail into a partition, choosing subpartitions per edge. */
export function recordWriterOutput(
  partition: ResultPartition,
  partitioner: PartitionerKind,
  opts: { subtaskIndex: number; maxParallelism: number; keySelector?: KeySelector; keyedOperatorName?: string },
): Output {
  const n = partition.subpartitions.length;
  switch (partitioner) {
    case 'forward':
    case 'global':
      return { collect: (r) => partition.emit(r, 0) };
    case 'broadcast':
      return { collect: (r) => partition.broadcast(r) };
    case 'rebalance': {
      let next = opts.subtaskIndex % n;
      return {
        collect: (r) => {
          partition.emit(r, next);
          next = next + 1 === n ? 0 : next + 1;
        },
      };
    }
    case 'shuffle':
      return { collect: (r) => partition.emit(r, Math.floor(Math.random() * n)) };
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

const STRING_CACHE_SIZE = 8192;

/**
 * keyBy: key → key group (core's key codec) → the consumer subtask that owns the group. The
 * channels of recent string keys are remembered: a Map lookup uses the engine's own (cached)
 * string hash, which is cheaper than computing the stable key hash again for every record. An
 * invalid key fails the record with a message naming keyBy's operator (`context`).
 */
class KeyGroupOutput implements Output {
  private readonly channelOfGroup: Int32Array;
  private stringChannels = new Map<string, number>();

  constructor(
    private readonly partition: ResultPartition,
    numChannels: number,
    private readonly maxParallelism: number,
    private readonly keySelector: KeySelector,
    private readonly context: string,
  ) {
    this.channelOfGroup = Int32Array.from({ length: maxParallelism }, (_, g) =>
      computeOperatorIndexForKeyGroup(maxParallelism, numChannels, g),
    );
  }

  collect(record: unknown): void {
    const key = this.keySelector(record);
    if (typeof key !== 'string') {
      this.partition.emit(record, this.channelOfGroup[assignToKeyGroup(key, this.maxParallelism, this.context)]!);
      return;
    }
    let channel = this.stringChannels.get(key);
    if (channel === undefined) {
      channel = this.channelOfGroup[assignToKeyGroup(key, this.maxParallelism)]!;
      if (this.stringChannels.size >= STRING_CACHE_SIZE) this.stringChannels = new Map();
      this.stringChannels.set(key, channel);
    }
    this.partition.emit(record, channel);
  }
}
