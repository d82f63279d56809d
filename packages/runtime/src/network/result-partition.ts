import type { TypeSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { BufferPool } from './buffer-pool.js';
import { ResultPartitionWriter, type ResultPartitionOptions } from './result-partition-writer.js';
import { Subpartition } from './subpartition.js';

export type { ResultPartitionOptions } from './result-partition-writer.js';

/**
 * A PIPELINED partition: consumers read it while the producing task runs. Each finished buffer is
 * copied into a pooled segment and queued in its subpartition, which sends it against credit
 * (subpartition.ts); when the pool runs dry the task is backpressured. Events (checkpoint
 * barriers) go to every subpartition outside buffers.
 */
export class ResultPartition extends ResultPartitionWriter {
  readonly subpartitions: Subpartition[];
  readonly pool: BufferPool;

  constructor(spec: ResultPartitionSpec, serializer: TypeSerializer<unknown>, options: ResultPartitionOptions) {
    super(spec, serializer, options);
    const n = spec.numSubpartitions;
    this.pool = new BufferPool(options.segmentSize, n * options.buffersPerChannel + options.floatingBuffers);
    this.subpartitions = Array.from({ length: n }, (_, i) => new Subpartition(i, this.pool));
  }

  protected shipEvent(bytes: Uint8Array): void {
    // A fresh ArrayBuffer per subpartition: it may be moved to another thread.
    for (const sp of this.subpartitions) sp.addEvent(new Uint8Array(bytes).buffer);
  }

  protected finishSubpartitions(): void {
    for (const sp of this.subpartitions) sp.finish();
  }

  fail(message: string): void {
    for (const sp of this.subpartitions) sp.fail(message);
  }

  isAvailable(): boolean {
    return this.pool.isAvailable();
  }

  whenAvailable(): Promise<void> {
    return this.pool.whenAvailable();
  }

  release(): void {
    this.pool.release();
  }

  protected ship(index: number, bytes: Uint8Array, length: number): void {
    const seg = length <= this.segmentSize ? this.pool.requestOrOverdraft() : this.pool.requestOversized(length);
    seg.set(bytes.subarray(0, length), 0);
    this.subpartitions[index]!.add(seg, length);
  }
}
