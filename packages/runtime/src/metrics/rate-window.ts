/**
 * Per-second rates of counters that only grow (records, bytes, accumulated milliseconds), over
 * a sliding window: Flink's meters and time gauges report such rates for the last seconds,
 * not since the start. The owner samples the counters at a fixed period; `rates` compares the
 * current values with the oldest sample inside the window.
 */
export class RateWindow {
  private readonly samples: Array<{ at: number; values: readonly number[] }> = [];

  constructor(
    initial: readonly number[],
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.samples.push({ at: this.now(), values: [...initial] });
  }

  /** Records the counters as they are now; drops samples that a newer one replaces as the window's start. */
  sample(values: readonly number[]): void {
    const at = this.now();
    this.samples.push({ at, values: [...values] });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Per-second rates of `current` since the start of the window; zeros when no time has passed. */
  rates(current: readonly number[]): number[] {
    const base = this.samples[0]!;
    const elapsedMs = this.now() - base.at;
    if (elapsedMs <= 0) return current.map(() => 0);
    return current.map((v, i) => Math.max(0, ((v - (base.values[i] ?? 0)) * 1000) / elapsedMs));
  }
}
