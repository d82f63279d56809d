import type { ResultPartition } from '../network/result-partition.js';
import type { CheckpointBarrier } from '../network/stream-elements.js';

/**
 * What a task does with the checkpoint barriers of its inputs until checkpoints exist: once a
 * barrier has arrived on every input channel, it goes on to every channel of every output, so
 * barriers cross the whole job in order with the records. (No alignment: records behind an early
 * barrier are not held back; the checkpoint issue replaces this with the barrier handlers.)
 */
export class BarrierForwarder {
  private readonly seen = new Map<number, number>();

  constructor(
    private readonly numChannels: number,
    private readonly partitions: readonly ResultPartition[],
  ) {}

  onBarrier(barrier: CheckpointBarrier): void {
    const count = (this.seen.get(barrier.checkpointId) ?? 0) + 1;
    if (count < this.numChannels) {
      this.seen.set(barrier.checkpointId, count);
      return;
    }
    this.seen.delete(barrier.checkpointId);
    for (const p of this.partitions) p.broadcastEvent(barrier);
  }
}
