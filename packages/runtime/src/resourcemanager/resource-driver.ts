import { getLogger, type Cancellable, type Scheduler } from '@spindle/core';

/**
 * How a ResourceManager obtains and gives back TaskManagers (local processes, YARN containers).
 *
 * The ResourceManager calls `requestWorker` when slot requests cannot be served and
 * `releaseWorker` for a TaskManager idle longer than `resourcemanager.taskmanager-timeout`; both
 * from its own thread, without waiting for the previous call. The driver reports every worker
 * that ended, whether released or not, through the listener given to `start`.
 */
export interface ResourceDriver {
  start(onWorkerTerminated: (resourceId: string, reason: string) => void): Promise<void>;
  /** Starts a TaskManager; resolves with the resource id it will register under. */
  requestWorker(): Promise<string>;
  releaseWorker(resourceId: string): Promise<void>;
  /** Stops every worker it started. Idempotent. */
  close(): Promise<void>;
}

export interface ResourceView {
  pendingSlotRequests(): number;
  freeSlots(): number;
  /** Free slots of a TaskManager, or undefined when it is not registered. */
  freeSlotsOf(resourceId: string): number | undefined;
  slotsOf(resourceId: string): number | undefined;
  removeTaskManager(resourceId: string, cause: string): void;
}

/**
 * Active resource management: asks the driver for TaskManagers while slot requests wait for
 * slots, and releases TaskManagers whose slots have all been free for the idle timeout.
 */
export class ActiveResources {
  private readonly requested = new Set<string>();
  private readonly started = new Set<string>();
  private readonly idleSince = new Map<string, number>();
  private timer: Cancellable | undefined;
  private readonly log = getLogger('resource-driver');

  constructor(
    private readonly driver: ResourceDriver,
    private readonly slotsPerWorker: number,
    private readonly idleTimeoutMs: number,
    private readonly scheduler: Scheduler,
    private readonly view: ResourceView,
  ) {}

  async start(): Promise<void> {
    await this.driver.start((id, reason) => this.terminated(id, reason));
    const period = Math.max(100, Math.min(5000, Math.floor(this.idleTimeoutMs / 4)));
    this.timer = this.scheduler.scheduleAtFixedRate(() => this.releaseIdle(), period, period);
  }

  async close(): Promise<void> {
    this.timer?.cancel();
    await this.driver.close();
  }

  get pendingWorkers(): number {
    return this.requested.size;
  }

  /** Requests as many workers as the waiting slot requests need beyond free and coming slots. */
  checkShortage(): void {
    const short = this.view.pendingSlotRequests() - this.view.freeSlots() - this.requested.size * this.slotsPerWorker;
    for (let i = 0; i < Math.ceil(short / this.slotsPerWorker); i++) {
      const ticket = `pending-${this.scheduler.now()}-${i}-${this.requested.size}`;
      this.requested.add(ticket);
      this.driver.requestWorker().then(
        (id) => {
          this.requested.delete(ticket);
          if (this.view.slotsOf(id) === undefined) this.requested.add(id);
          this.started.add(id);
          this.log.info('requested a TaskManager', { resourceId: id });
        },
        (e: unknown) => {
          this.requested.delete(ticket);
          this.log.error('could not start a TaskManager', { error: e });
        },
      );
    }
  }

  registered(resourceId: string): void {
    this.requested.delete(resourceId);
  }

  private releaseIdle(): void {
    const now = this.scheduler.now();
    for (const id of this.started) {
      const free = this.view.freeSlotsOf(id);
      if (free === undefined || free < (this.view.slotsOf(id) ?? 0)) {
        this.idleSince.delete(id);
        continue;
      }
      const since = this.idleSince.get(id) ?? now;
      this.idleSince.set(id, since);
      if (now - since < this.idleTimeoutMs) continue;
      this.log.info('releasing an idle TaskManager', { resourceId: id, idleMs: now - since });
      this.started.delete(id);
      this.idleSince.delete(id);
      this.view.removeTaskManager(id, 'released after being idle (resourcemanager.taskmanager-timeout)');
      void this.driver
        .releaseWorker(id)
        .catch((e: unknown) => this.log.warn('could not release a TaskManager', { resourceId: id, error: e }));
    }
  }

  private terminated(resourceId: string, reason: string): void {
    const expected = !this.started.has(resourceId);
    this.started.delete(resourceId);
    this.requested.delete(resourceId);
    this.idleSince.delete(resourceId);
    if (expected) return;
    this.log.warn('a TaskManager ended', { resourceId, reason });
    this.view.removeTaskManager(resourceId, `its process ended: ${reason}`);
    this.checkShortage();
  }
}
