import type { BucketAssignerContext } from './bucket-assigners.js';

/** The BucketAssigner's view of the element being written; one instance per subtask, updated per element. */
export class AssignerContext implements BucketAssignerContext {
  private ts: number | undefined;
  private watermark = Number.NEGATIVE_INFINITY;
  private now = 0;

  update(timestamp: number | undefined, watermark: number, now: number): void {
    this.ts = timestamp;
    this.watermark = watermark;
    this.now = now;
  }

  currentProcessingTime(): number {
    return this.now;
  }

  currentWatermark(): number {
    return this.watermark;
  }

  timestamp(): number | undefined {
    return this.ts;
  }
}
