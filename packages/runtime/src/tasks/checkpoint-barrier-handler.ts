import type { InputGate } from '../network/input-gate.js';
import type { CheckpointBarrier } from '../network/stream-elements.js';

/** What the handler calls once a checkpoint's barriers are in (Flink's CheckpointableTask). */
export interface BarrierTarget {
  /** Every live input channel delivered the barrier (or ended): snapshot now, before any further input. */
  triggerCheckpointOnBarrier(barrier: CheckpointBarrier, alignmentDurationMs: number): void;
}

/**
 * Checkpoint barriers at a task with input channels (Flink's CheckpointBarrierHandler), for all its
 * gates. A checkpoint is taken once every channel that has not ended delivered its barrier; a
 * channel that ends meanwhile counts as delivered (its producer finished: everything it sent
 * precedes the snapshot).
 *
 * EXACTLY_ONCE (aligned): a channel that delivered the barrier is blocked, so that records of the
 * next checkpoint do not reach the operators before the snapshot; all channels are unblocked when
 * the checkpoint is taken or aborted. AT_LEAST_ONCE: nothing is blocked, barriers are only counted.
 *
 * A barrier of a newer checkpoint while one aligns aborts the older one (its barriers will not all
 * come); barriers of older or aborted checkpoints are ignored. Called on the task's thread only.
 */
export class CheckpointBarrierHandler {
  private pending: CheckpointBarrier | undefined;
  private readonly received: boolean[][];
  private receivedCount = 0;
  private alignmentStart = 0;
  /** The newest checkpoint seen (taken, aborted or pending); older barriers are stale. */
  private latestCheckpointId = 0;

  constructor(
    private readonly gates: readonly InputGate[],
    private readonly aligned: boolean,
    private readonly target: BarrierTarget,
  ) {
    this.received = gates.map((g) => g.channels.map(() => false));
  }

  /** The checkpoint being aligned, if any. */
  get pendingCheckpointId(): number | undefined {
    return this.pending?.checkpointId;
  }

  onBarrier(barrier: CheckpointBarrier, gate: number, channel: number): void {
    const id = barrier.checkpointId;
    if (id < this.latestCheckpointId || (id === this.latestCheckpointId && this.pending === undefined)) return;
    if (id > this.latestCheckpointId) this.begin(barrier);
    if (this.received[gate]![channel]) return;
    this.received[gate]![channel] = true;
    this.receivedCount++;
    if (this.aligned) this.gates[gate]!.blockChannel(channel);
    this.completeIfAligned();
  }

  /**
   * The checkpoint was triggered at this task directly, because every task it reads from has
   * finished: no barrier will come, so it is taken once every channel still open has ended.
   */
  onTriggeredWithoutBarriers(barrier: CheckpointBarrier): void {
    if (barrier.checkpointId <= this.latestCheckpointId) return;
    this.begin(barrier);
    this.completeIfAligned();
  }

  onChannelEnd(): void {
    if (this.pending !== undefined) this.completeIfAligned();
  }

  /** The checkpoint was aborted: stop waiting for its barriers. */
  abort(checkpointId: number): void {
    if (checkpointId > this.latestCheckpointId) this.latestCheckpointId = checkpointId;
    if (this.pending !== undefined && this.pending.checkpointId <= checkpointId) this.reset();
  }

  private begin(barrier: CheckpointBarrier): void {
    if (this.pending !== undefined) this.reset();
    this.pending = barrier;
    this.latestCheckpointId = barrier.checkpointId;
    this.alignmentStart = performance.now();
  }

  private completeIfAligned(): void {
    const barrier = this.pending!;
    for (let g = 0; g < this.gates.length; g++) {
      const channels = this.gates[g]!.channels;
      const received = this.received[g]!;
      for (let c = 0; c < channels.length; c++) if (!received[c] && !channels[c]!.ended) return;
    }
    const alignment = performance.now() - this.alignmentStart;
    this.reset();
    this.target.triggerCheckpointOnBarrier(barrier, alignment);
  }

  private reset(): void {
    this.pending = undefined;
    if (this.receivedCount === 0) return;
    this.receivedCount = 0;
    for (let g = 0; g < this.gates.length; g++) {
      const received = this.received[g]!;
      for (let c = 0; c < received.length; c++) {
        if (!received[c]) continue;
        received[c] = false;
        if (this.aligned) this.gates[g]!.unblockChannel(c);
      }
    }
  }
}
