import { SpindleError, getLogger, type Cancellable, type Scheduler } from '@spindle/core';
import type { ApplicationStatus, ResourceDriver, WorkerResourceSpec, WorkerTermination } from './resource-driver.js';

export interface ResourceView {
  pendingSlotRequests(): number;
  freeSlots(): number;
  /** Free slots of a TaskManager, or undefined when it is not registered. */
  freeSlotsOf(resourceId: string): number | undefined;
  slotsOf(resourceId: string): number | undefined;
  /** Forgets a TaskManager the ResourceManager stopped (idle, or not registered in time). */
  removeTaskManager(resourceId: string, cause: string): void;
  /** Forgets a TaskManager whose process ended; the jobs with slots there learn it at once. */
  taskManagerEnded(resourceId: string, cause: string): void;
  /** Rejects every slot request still waiting for a slot. */
  failPendingSlotRequests(error: Error): void;
}

export interface ActiveResourcesOptions {
  spec: WorkerResourceSpec;
  slotsPerWorker: number;
  idleTimeoutMs: number;
  registrationTimeoutMs: number;
  /** Start failures per minute beyond which waiting slot requests fail and asking pauses. */
  maxStartFailuresPerMinute: number;
  startRetryIntervalMs: number;
}

const MINUTE = 60_000;

/**
 * Active resource management: asks the driver for workers while slot requests wait for slots,
 * replaces workers that end while they are needed, releases workers whose slots have all been
 * free for the idle timeout, and stops asking (failing the waiting requests) when workers keep
 * failing to start.
 */
export class ActiveResources {
  /** Requests the driver has not answered yet. */
  private asked = 0;
  /** Workers started (or recovered) that have not registered, with the time they were started. */
  private readonly unregistered = new Map<string, number>();
  /** Every worker this ResourceManager owns, registered or not. */
  private readonly owned = new Set<string>();
  private readonly idleSince = new Map<string, number>();
  private readonly startFailures: number[] = [];
  private retryAt = 0;
  private retry: Cancellable | undefined;
  private timer: Cancellable | undefined;
  private readonly log = getLogger('resource-driver');

  constructor(
    private readonly driver: ResourceDriver,
    private readonly options: ActiveResourcesOptions,
    private readonly scheduler: Scheduler,
    private readonly view: ResourceView,
  ) {}

  /** Starts the driver and adopts the workers it recovered from an earlier attempt. */
  async start(): Promise<void> {
    const recovered = await this.driver.start({ onWorkerTerminated: (id, t) => this.terminated(id, t) });
    for (const worker of recovered) {
      this.owned.add(worker.resourceId);
      if (this.view.slotsOf(worker.resourceId) === undefined) this.unregistered.set(worker.resourceId, this.scheduler.now());
    }
    if (recovered.length > 0) this.log.info('recovered TaskManagers of an earlier attempt', { count: recovered.length });
    const shortest = Math.min(this.options.idleTimeoutMs, this.options.registrationTimeoutMs);
    const period = Math.max(100, Math.min(5000, Math.floor(shortest / 4)));
    this.timer = this.scheduler.scheduleAtFixedRate(() => this.check(), period, period);
  }

  async close(): Promise<void> {
    this.timer?.cancel();
    this.retry?.cancel();
    await this.driver.close();
  }

  deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    return this.driver.deregisterApplication(status, diagnostics);
  }

  /** Workers asked for that have not registered yet. */
  get pendingWorkers(): number {
    return this.asked + this.unregistered.size;
  }

  /** Requests as many workers as the waiting slot requests need beyond free and coming slots. */
  checkShortage(): void {
    const now = this.scheduler.now();
    if (now < this.retryAt) {
      this.retry ??= this.scheduler.schedule(() => {
        this.retry = undefined;
        this.checkShortage();
      }, this.retryAt - now);
      return;
    }
    const slots = this.options.slotsPerWorker;
    const short = this.view.pendingSlotRequests() - this.view.freeSlots() - this.pendingWorkers * slots;
    for (let i = 0; i < Math.ceil(short / slots); i++) this.requestWorker();
  }

  registered(resourceId: string): void {
    this.unregistered.delete(resourceId);
  }

  private requestWorker(): void {
    this.asked++;
    this.driver.requestWorker(this.options.spec).then(
      (id) => {
        this.asked--;
        this.owned.add(id);
        if (this.view.slotsOf(id) === undefined) this.unregistered.set(id, this.scheduler.now());
        this.log.info('requested a TaskManager', { resourceId: id, ...this.options.spec });
      },
      (e: unknown) => {
        this.asked--;
        this.startFailed(`the driver could not start one: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private startFailed(diagnostics: string): void {
    const now = this.scheduler.now();
    this.startFailures.push(now);
    while (this.startFailures[0]! <= now - MINUTE) this.startFailures.shift();
    this.log.warn('a TaskManager failed to start', { diagnostics, failuresInLastMinute: this.startFailures.length });
    const rate = this.options.maxStartFailuresPerMinute;
    if (this.startFailures.length <= rate) {
      this.checkShortage();
      return;
    }
    this.retryAt = now + this.options.startRetryIntervalMs;
    this.view.failPendingSlotRequests(
      new SpindleError(
        `TaskManagers failed to start ${this.startFailures.length} times within a minute, more than ` +
          `resourcemanager.start-worker-max-failure-rate (${rate}); the last failure: ${diagnostics}`,
        { code: 'WORKER_START_FAILED', recoverability: 'environment', userFacing: true },
      ),
    );
  }

  private check(): void {
    this.releaseUnregistered();
    this.releaseIdle();
  }

  private releaseUnregistered(): void {
    const now = this.scheduler.now();
    for (const [id, since] of this.unregistered) {
      if (now - since < this.options.registrationTimeoutMs) continue;
      this.release(id, 'it did not register within resourcemanager.taskmanager-registration.timeout');
      this.startFailed(`TaskManager ${id} did not register within ${this.options.registrationTimeoutMs} ms`);
    }
  }

  private releaseIdle(): void {
    const now = this.scheduler.now();
    for (const id of this.owned) {
      if (this.unregistered.has(id)) continue;
      const free = this.view.freeSlotsOf(id);
      if (free === undefined || free < (this.view.slotsOf(id) ?? 0)) {
        this.idleSince.delete(id);
        continue;
      }
      const since = this.idleSince.get(id) ?? now;
      this.idleSince.set(id, since);
      if (now - since < this.options.idleTimeoutMs) continue;
      this.log.info('releasing an idle TaskManager', { resourceId: id, idleMs: now - since });
      this.release(id, 'released after being idle (resourcemanager.taskmanager-timeout)');
    }
  }

  /** Forgets the worker first, so that its end is not taken for a loss. */
  private release(id: string, cause: string): void {
    this.forget(id);
    this.view.removeTaskManager(id, cause);
    void this.driver
      .releaseWorker(id)
      .catch((e: unknown) => this.log.warn('could not release a TaskManager', { resourceId: id, error: e }));
  }

  private forget(id: string): void {
    this.owned.delete(id);
    this.unregistered.delete(id);
    this.idleSince.delete(id);
  }

  private terminated(resourceId: string, termination: WorkerTermination): void {
    if (!this.owned.has(resourceId)) return;
    const beforeRegistering = this.unregistered.has(resourceId);
    this.forget(resourceId);
    const status = termination.exitCode === null ? 'killed' : `exit code ${termination.exitCode}`;
    const diagnostics = `${status}${termination.diagnostics ? `: ${termination.diagnostics}` : ''}`;
    this.log.warn('a TaskManager ended', { resourceId, exitCode: termination.exitCode, diagnostics: termination.diagnostics });
    this.view.taskManagerEnded(resourceId, `its process ended (${diagnostics})`);
    if (beforeRegistering) this.startFailed(`TaskManager ${resourceId} ended before it registered (${diagnostics})`);
    else this.checkShortage();
  }
}
