import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '@spindle/core';
import type { PartitionerKind } from '@spindle/protocol';
import type { ResultPartition } from '../network/result-partition.js';
import type { Output } from './operator.js';

export type KeySelector = (record: unknown) => unknown;

/** Serializes the records of a chain's tail into a partition, choosing subpartitions per edge. */
export function recordWriterOutput(
  partition: ResultPartition,
  partitioner: PartitionerKind,
  opts: { subtaskIndex: number; maxParallelism: number; keySelector?: KeySelector },
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
      return new KeyGroupOutput(partition, n, opts.maxParallelism, opts.keySelector!);
  }
}

/** keyBy: key → key group → the consumer subtask that owns the group. */
class KeyGroupOutput implements Output {
  constructor(
    private readonly partition: ResultPartition,
    private readonly numChannels: number,
    private readonly maxParallelism: number,
    private readonly keySelector: KeySelector,
  ) {}

  collect(record: unknown): void {
    const keyGroup = assignToKeyGroup(this.keySelector(record), this.maxParallelism);
    this.partition.emit(record, computeOperatorIndexForKeyGroup(this.maxParallelism, this.numChannels, keyGroup));
  }
}
