import { getLogger, type Configuration } from '@spindle/core';
import type { ApplicationStatus, RecoveredWorker, ResourceDriver, ResourceEventHandler, WorkerResourceSpec } from '@spindle/runtime';
import { HadoopRemoteError } from '../errors.js';
import { containerIdString, type ContainerIdProto, type NodeIdProto } from '../records.js';
import type { ApplicationMasterClient, ContainerAsk, RegisterRequest } from '../protocols/application-master-client.js';
import type { ContainerLaunchContext, ContainerManagerClient } from '../protocols/container-management-client.js';
import type { ContainerProto, ContainerStatusProto } from '../protocols/yarn-records.js';
import { decodeAmRmTokenIdentifier } from '../tokens/identifiers.js';
import { YarnOptions } from '../yarn-options.js';

/** The parts of the two protocol clients the driver uses (fakes in tests). */
export type AmProtocol = Pick<ApplicationMasterClient, 'register' | 'allocate' | 'finish' | 'close'>;
export type NmProtocol = Pick<ContainerManagerClient, 'addNmTokens' | 'startContainer' | 'stopContainers'>;

/** What a TaskManager container runs: built per container once YARN has sized it. */
export type TaskManagerLaunch = (container: { containerId: string; memoryMb: number; vcores: number }) => ContainerLaunchContext;

export interface YarnResourceDriverOptions {
  am: AmProtocol;
  nm: NmProtocol;
  /** How the AppMaster registers: its host, the port clients reach (the REST port, as Flink does), the tracking URL. */
  registration: RegisterRequest;
  launch: TaskManagerLaunch;
  /**
   * Called once on deregistration, before the RM is told the final status (after it, YARN may
   * kill the AppMaster at any moment): the application's staging directory is removed here.
   * Its failure is logged, not thrown.
   */
  onDeregister?: () => Promise<unknown>;
  /**
   * The RM answered an allocate with AM_SHUTDOWN: it no longer runs this attempt (the application
   * was killed, or a newer attempt replaced this one). Heartbeats have stopped; the AppMaster
   * process is expected to stop without unregistering (Flink: a fatal error of the ResourceManager).
   */
  onShutdownRequest?: (reason: string) => void;
}

interface PendingRequest {
  spec: WorkerResourceSpec;
  resolve: (id: string) => void;
  reject: (e: unknown) => void;
}

interface Worker {
  nodeId: NodeIdProto;
  containerId: ContainerIdProto;
}

/**
 * The ResourceDriver of an AppMaster (Flink's YarnResourceManagerDriver): TaskManagers are YARN
 * containers obtained over ApplicationMasterProtocol and started over ContainerManagementProtocol.
 *
 * One heartbeat loop talks to the RM: every allocate carries, per worker size, the total number of
 * containers still wanted (YARN replaces the previous ask with it) and the containers to give
 * back. The loop beats every `yarn.heartbeat.container-request-interval` while requests wait and
 * every `yarn.heartbeat.interval` otherwise. An allocated container serves the oldest request of
 * its size (its priority); one that serves none is released in the next allocate, sent at once.
 * The resource id of a worker is its container id. Completed containers are reported with YARN's
 * exit status and diagnostics. A new AMRM token in an allocate response is adopted by the
 * protocol client, whose next call authenticates with it; NM tokens are cached per node.
 *
 * The RM's commands, as Hadoop's AMRMClient handles them: AM_RESYNC (the RM restarted or failed
 * over and lost this attempt's registration; newer RMs throw ApplicationMasterNotRegisteredException
 * instead) registers again and sends every outstanding ask and release in the next allocate, at
 * once; AM_SHUTDOWN stops the heartbeats and hands over to `onShutdownRequest`.
 */
export class YarnResourceDriver implements ResourceDriver {
  private handler: ResourceEventHandler = { onWorkerTerminated: () => undefined };
  private readonly pending = new Map<number, PendingRequest[]>();
  private readonly priorities = new Map<string, number>();
  private readonly workers = new Map<string, Worker>();
  private releases: ContainerIdProto[] = [];
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private closed = false;
  private beatsStopped = false;
  /** After a registration made anew: the next allocate goes out without waiting for the interval. */
  private resendNow = false;
  private readonly log = getLogger('yarn-resource-driver');
  private readonly idleIntervalMs: number;
  private readonly requestIntervalMs: number;

  constructor(
    config: Configuration,
    private readonly options: YarnResourceDriverOptions,
  ) {
    this.idleIntervalMs = config.get(YarnOptions.HEARTBEAT_INTERVAL);
    this.requestIntervalMs = config.get(YarnOptions.CONTAINER_REQUEST_HEARTBEAT_INTERVAL);
  }

  async start(handler: ResourceEventHandler): Promise<readonly RecoveredWorker[]> {
    this.handler = handler;
    const registered = await this.options.am.register(this.options.registration);
    this.options.nm.addNmTokens(registered.nmTokensFromPreviousAttempts);
    const recovered = registered.containersFromPreviousAttempts.map((c) => this.adopt(c));
    this.log.info('registered with the ResourceManager', {
      queue: registered.queue,
      maximumCapability: registered.maximumCapability,
      recovered: recovered.length,
    });
    this.schedule(this.idleIntervalMs);
    return recovered.map((resourceId) => ({ resourceId }));
  }

  requestWorker(spec: WorkerResourceSpec): Promise<string> {
    return new Promise((resolve, reject) => {
      const priority = this.priorityOf(spec);
      const queue = this.pending.get(priority) ?? [];
      queue.push({ spec, resolve, reject });
      this.pending.set(priority, queue);
      this.log.info('requesting a container', { ...spec, priority, pending: this.pendingCount() });
      this.schedule(0);
    });
  }

  async releaseWorker(resourceId: string): Promise<void> {
    const worker = this.workers.get(resourceId);
    if (worker === undefined) return;
    this.log.info('releasing a container', { containerId: resourceId });
    await this.options.nm.stopContainers(worker.nodeId, [worker.containerId]).catch((e: unknown) => {
      this.log.warn('could not stop the container; releasing it through the ResourceManager', { containerId: resourceId, error: e });
    });
    this.releases.push(worker.containerId);
    this.schedule(0);
  }

  async deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    this.stopHeartbeats();
    await this.beating;
    if (this.options.onDeregister !== undefined) {
      await this.options.onDeregister().catch((e: unknown) => this.log.warn('cleanup on deregistration failed', { error: String(e) }));
    }
    const deadline = Date.now() + 30_000;
    const request = { finalStatus: status, diagnostics, trackingUrl: this.options.registration.trackingUrl ?? '' };
    while (!(await this.options.am.finish(request))) {
      if (Date.now() > deadline) throw new Error('the ResourceManager did not confirm the unregistration within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log.info('unregistered from the ResourceManager', { status, diagnostics });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopHeartbeats();
    this.closed = true;
    await this.beating;
    for (const queue of this.pending.values()) for (const p of queue) p.reject(new Error('the YARN driver was closed'));
    this.pending.clear();
    await Promise.all(
      [...this.workers.values()].map((w) => this.options.nm.stopContainers(w.nodeId, [w.containerId]).catch(() => undefined)),
    );
    this.workers.clear();
    this.options.am.close();
  }

  private adopt(container: ContainerProto): string {
    const id = containerIdString(container.id!);
    this.workers.set(id, { nodeId: container.nodeId ?? {}, containerId: container.id! });
    return id;
  }

  /** One priority per worker size: YARN matches containers to asks by priority. */
  private priorityOf(spec: WorkerResourceSpec): number {
    const key = `${spec.memoryMb}/${spec.vcores}`;
    let priority = this.priorities.get(key);
    if (priority === undefined) {
      priority = this.priorities.size + 1;
      this.priorities.set(key, priority);
    }
    return priority;
  }

  private pendingCount(): number {
    let n = 0;
    for (const queue of this.pending.values()) n += queue.length;
    return n;
  }

  private stopHeartbeats(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.beatsStopped = true;
  }

  /** The next heartbeat in `delayMs`, unless one is due sooner or running. */
  private schedule(delayMs: number): void {
    if (this.beatsStopped) return;
    if (this.beating !== undefined) return; // the running heartbeat schedules the next one
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.beating = this.heartbeat().finally(() => {
        this.beating = undefined;
        const now = this.resendNow;
        this.resendNow = false;
        this.schedule(now ? 0 : this.pendingCount() > 0 || this.releases.length > 0 ? this.requestIntervalMs : this.idleIntervalMs);
      });
    }, delayMs);
  }

  private async heartbeat(): Promise<void> {
    const releases = this.releases;
    this.releases = [];
    try {
      const response = await this.options.am.allocate({ asks: this.asks(), releases, progress: 0 });
      this.options.nm.addNmTokens(response.nmTokens);
      if (response.amRmToken !== undefined) {
        this.log.info('adopted a new AMRM token', { keyId: decodeAmRmTokenIdentifier(response.amRmToken).keyId });
      }
      for (const status of response.completedContainers) this.onCompleted(status);
      await Promise.all(response.allocatedContainers.map((c) => this.onAllocated(c)));
      if (response.amCommand === 'AM_SHUTDOWN') return this.shutdownRequested();
      if (response.amCommand === 'AM_RESYNC') {
        this.releases.push(...releases); // the RM may have dropped them with the registration
        return await this.resync('the ResourceManager asked this AppMaster to resync (AM_RESYNC)');
      }
    } catch (e) {
      this.releases.push(...releases);
      if (e instanceof HadoopRemoteError && e.simpleClassName === 'ApplicationMasterNotRegisteredException') {
        return this.resync('the ResourceManager does not know this AppMaster');
      }
      this.log.warn('allocate failed; retrying with the next heartbeat', { error: e });
    }
  }

  /**
   * Registers again (the RM lost the registration in a restart or failover), as Hadoop's
   * AMRMClient does; the next allocate, sent at once, carries every outstanding ask and release.
   */
  private async resync(reason: string): Promise<void> {
    this.log.warn(`${reason}; registering again`, { pending: this.pendingCount(), releases: this.releases.length });
    try {
      await this.options.am.register(this.options.registration);
      this.resendNow = true;
    } catch (e) {
      this.log.error('registering again failed; retrying with the next heartbeat', { error: e });
    }
  }

  private shutdownRequested(): void {
    const reason = 'the ResourceManager asked this AppMaster to shut down (AM_SHUTDOWN)';
    this.log.error(reason);
    this.stopHeartbeats();
    this.options.onShutdownRequest?.(reason);
  }

  /** Every size still wanted, as a total; sizes no longer wanted as 0 so YARN drops their asks. */
  private asks(): ContainerAsk[] {
    const asks: ContainerAsk[] = [];
    for (const [key, priority] of this.priorities) {
      const [memoryMb, vcores] = key.split('/').map(Number) as [number, number];
      const numContainers = this.pending.get(priority)?.length ?? 0;
      asks.push({ priority, resourceName: '*', capability: { memoryMb, vcores }, numContainers });
    }
    return asks;
  }

  private async onAllocated(container: ContainerProto): Promise<void> {
    const containerId = containerIdString(container.id!);
    const request = this.pending.get(container.priority?.priority ?? -1)?.shift();
    if (request === undefined || this.closed) {
      this.log.info('releasing a surplus container', { containerId });
      this.releases.push(container.id!);
      return;
    }
    this.workers.set(containerId, { nodeId: container.nodeId ?? {}, containerId: container.id! });
    const memoryMb = container.resource?.memory ?? request.spec.memoryMb;
    const vcores = container.resource?.virtual_cores ?? request.spec.vcores;
    try {
      const result = await this.options.nm.startContainer(container, this.options.launch({ containerId, memoryMb, vcores }));
      const failure = result.failed[0];
      if (failure !== undefined) throw new Error(`the NodeManager did not start ${containerId}: ${failure.className}: ${failure.message}`);
      this.log.info('started a TaskManager container', { containerId, node: container.nodeId, memoryMb, vcores });
      request.resolve(containerId);
    } catch (e) {
      this.workers.delete(containerId);
      this.releases.push(container.id!);
      request.reject(e);
    }
  }

  private onCompleted(status: ContainerStatusProto): void {
    const containerId = containerIdString(status.container_id!);
    if (!this.workers.delete(containerId)) return; // released surplus, or a container that never became a worker
    const exitCode = status.exit_status ?? null;
    const diagnostics = status.diagnostics ?? '';
    this.log.info('a TaskManager container completed', { containerId, exitCode, diagnostics });
    this.handler.onWorkerTerminated(containerId, {
      exitCode,
      diagnostics: `container ${containerId} exited with ${exitCode}. ${diagnostics}`,
    });
  }
}
