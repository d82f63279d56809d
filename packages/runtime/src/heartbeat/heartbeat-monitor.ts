import type { Cancellable, Scheduler } from '@spindle/core';

/**
 * Watches a set of peers that are expected to send heartbeats. A peer not heard from for
 * `timeoutMs` is reported once through `onTimeout` and forgotten. Time comes from the injected
 * scheduler, so tests drive it deterministically.
 */
export class HeartbeatMonitor {
  private readonly lastSeen = new Map<string, number>();
  private check: Cancellable | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly timeoutMs: number,
    private readonly onTimeout: (peer: string) => void,
  ) {}

  start(): void {
    const period = Math.max(10, Math.min(1000, Math.floor(this.timeoutMs / 5)));
    this.check ??= this.scheduler.scheduleAtFixedRate(() => this.expire(), period, period);
  }

  stop(): void {
    this.check?.cancel();
    this.check = undefined;
  }

  monitor(peer: string): void {
    this.lastSeen.set(peer, this.scheduler.now());
  }

  unmonitor(peer: string): void {
    this.lastSeen.delete(peer);
  }

  /** Records a heartbeat; false when the peer is not (or no longer) monitored. */
  received(peer: string): boolean {
    if (!this.lastSeen.has(peer)) return false;
    this.lastSeen.set(peer, this.scheduler.now());
    return true;
  }

  isMonitored(peer: string): boolean {
    return this.lastSeen.has(peer);
  }

  /** Milliseconds since the peer's last heartbeat, or undefined when not monitored. */
  sinceLast(peer: string): number | undefined {
    const t = this.lastSeen.get(peer);
    return t === undefined ? undefined : this.scheduler.now() - t;
  }

  private expire(): void {
    const now = this.scheduler.now();
    for (const [peer, t] of [...this.lastSeen]) {
      if (now - t <= this.timeoutMs) continue;
      this.lastSeen.delete(peer);
      this.onTimeout(peer);
    }
  }
}

/** Sends a heartbeat every interval while started; failures are passed to `onFailure`. */
export class HeartbeatSender {
  private task: Cancellable | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly intervalMs: number,
    private readonly send: () => Promise<unknown>,
    private readonly onFailure: (e: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.task ??= this.scheduler.scheduleAtFixedRate(() => void this.send().catch(this.onFailure), 0, this.intervalMs);
  }

  stop(): void {
    this.task?.cancel();
    this.task = undefined;
  }
}
