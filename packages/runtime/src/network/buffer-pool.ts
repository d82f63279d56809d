/**
 * A bounded pool of fixed-size memory segments for one produced partition.
 *
 * Segments handed to consumers come back through `recycle()` (from the same thread, or moved
 * back from another thread, so identity is not kept: the pool counts). When the pool is
 * exhausted, `requestOrOverdraft()` still returns a segment so that the record being written can
 * complete; the task must then stop taking input until `isAvailable()` is true again. This is
 * how a slow consumer slows a fast producer instead of growing memory.
 */
export class BufferPool {
  private readonly free: Uint8Array[] = [];
  private outstanding = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly segmentSize: number,
    readonly capacity: number,
  ) {}

  /** A segment from the pool, or a new one beyond capacity (overdraft) when exhausted. */
  requestOrOverdraft(): Uint8Array {
    this.outstanding++;
    return this.free.pop() ?? new Uint8Array(this.segmentSize);
  }

  /** A one-off segment for a record larger than a segment; it counts until recycled. */
  requestOversized(size: number): Uint8Array {
    this.outstanding++;
    return new Uint8Array(size);
  }

  recycle(segment: Uint8Array): void {
    this.outstanding--;
    if (segment.byteLength === this.segmentSize && this.free.length + this.outstanding < this.capacity) {
      this.free.push(segment);
    }
    if (this.waiters.length > 0 && this.isAvailable()) this.wake();
  }

  /** True when a segment can be had without overdraft. */
  isAvailable(): boolean {
    return this.outstanding < this.capacity;
  }

  /** Resolves once `isAvailable()` is true (or the pool is released). */
  whenAvailable(): Promise<void> {
    if (this.isAvailable()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get overdraft(): number {
    return Math.max(0, this.outstanding - this.capacity);
  }

  get inUse(): number {
    return this.outstanding;
  }

  /** Wakes waiters and drops cached segments; used when the partition is released. */
  release(): void {
    this.free.length = 0;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
