import {
  ClusterOptions,
  Configuration,
  ResourceManagerOptions,
  SpindleError,
  TaskManagerOptions,
  randomHexId,
  getLogger,
  systemScheduler,
  type Scheduler,
} from '@spindle/core';
import { HeartbeatMonitor } from '../heartbeat/heartbeat-monitor.js';
import type { SlotReport, TaskManagerRegistration, TaskManagerStatus } from '@spindle/protocol';
import type {
  JobMasterGateway,
  LogFileChunk,
  ResourceManagerGateway,
  ResourceOverview,
  TaskExecutorGateway,
  TaskManagerLogs,
} from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import type { ThreadDumpEntry } from '../metrics/thread-dump.js';
import { SlotManager, type SlotAllocation } from './slot-manager.js';
import { ActiveResources } from './active-resources.js';
import { workerResourceSpec, type ApplicationStatus, type ResourceDriver } from './resource-driver.js';

/**
 * Registers TaskExecutors and their slots, and hands slots to JobMasters through the
 * SlotManager: the chosen TaskExecutor is told to offer the slot to the requesting JobMaster.
 */
export class ResourceManager implements ResourceManagerGateway {
  private readonly taskManagers = new Map<
    string,
    { registration: TaskManagerRegistration; gateway: TaskExecutorGateway; status?: TaskManagerStatus }
  >();
  private readonly slotManager: SlotManager;
  private readonly log = getLogger('resource-manager');

  private readonly heartbeats: HeartbeatMonitor;
  private readonly active: ActiveResources | undefined;

  constructor(
    readonly address: string,
    private readonly rpc: RpcService,
    config: Configuration = new Configuration(),
    scheduler: Scheduler = systemScheduler,
    driver?: ResourceDriver,
  ) {
    if (driver) {
      this.active = new ActiveResources(
        driver,
        {
          spec: workerResourceSpec(config),
          slotsPerWorker: config.get(TaskManagerOptions.NUM_TASK_SLOTS),
          idleTimeoutMs: config.get(ClusterOptions.TASK_MANAGER_TIMEOUT),
          registrationTimeoutMs: config.get(ResourceManagerOptions.TASK_MANAGER_REGISTRATION_TIMEOUT),
          maxStartFailuresPerMinute: config.get(ResourceManagerOptions.START_WORKER_MAX_FAILURE_RATE),
          startRetryIntervalMs: config.get(ResourceManagerOptions.START_WORKER_RETRY_INTERVAL),
        },
        scheduler,
        {
          pendingSlotRequests: () => this.slotManager.pendingCount(),
          freeSlots: () => this.slotManager.counts().free,
          freeSlotsOf: (id) => (this.taskManagers.has(id) ? this.slotManager.freeSlotsOf(id) : undefined),
          slotsOf: (id) => this.taskManagers.get(id)?.registration.numberOfSlots,
          removeTaskManager: (id, cause) => this.removeTaskManager(id, cause),
          taskManagerEnded: (id, cause) => this.taskManagerEnded(id, cause),
          failPendingSlotRequests: (error) => this.slotManager.failPending(error),
        },
      );
    }
    this.heartbeats = new HeartbeatMonitor(scheduler, config.get(ClusterOptions.HEARTBEAT_TIMEOUT), (id) =>
      this.removeTaskManager(id, `no heartbeat for ${config.get(ClusterOptions.HEARTBEAT_TIMEOUT)} ms (heartbeat.timeout)`),
    );
    this.slotManager = new SlotManager(async (slot, request) => {
      const tm = this.taskManagers.get(slot.resourceId);
      if (!tm) throw new Error(`TaskManager ${slot.resourceId} is gone`);
      await tm.gateway.requestSlot(slot.slotIndex, request.jobId, request.allocationId, request.jobMasterAddress);
    });
  }

  async start(): Promise<void> {
    this.rpc.register(this.address, this);
    this.heartbeats.start();
    await this.active?.start();
  }

  /**
   * Reports the application's end to the resource provider through the driver (YARN: the final
   * status of the application); nothing to do without an active driver.
   */
  async deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    await this.active?.deregisterApplication(status, diagnostics);
  }

  async close(): Promise<void> {
    this.heartbeats.stop();
    this.rpc.unregister(this.address);
    await this.active?.close();
  }

  /** A TaskManager's heartbeat; an unknown TaskManager is told to register again. */
  async heartbeatFromTaskManager(resourceId: string, report: SlotReport, status?: TaskManagerStatus): Promise<void> {
    if (!this.heartbeats.received(resourceId)) throw unknownTaskManager(resourceId);
    const tm = this.taskManagers.get(resourceId);
    if (tm && status) tm.status = status;
    await this.sendSlotReport(report);
  }

  async requestTaskManagerLogList(resourceId: string): Promise<TaskManagerLogs> {
    return this.gatewayOf(resourceId).requestLogList();
  }

  async requestTaskManagerThreadDump(resourceId: string): Promise<ThreadDumpEntry[]> {
    return this.gatewayOf(resourceId).requestThreadDump();
  }

  async requestTaskManagerLogFile(resourceId: string, name: string, offset: number, length: number): Promise<LogFileChunk> {
    return this.gatewayOf(resourceId).requestLogFile(name, offset, length);
  }

  private gatewayOf(resourceId: string): TaskExecutorGateway {
    const tm = this.taskManagers.get(resourceId);
    if (!tm) throw unknownTaskManager(resourceId);
    return tm.gateway;
  }

  async disconnectTaskManager(resourceId: string, cause: string): Promise<void> {
    this.removeTaskManager(resourceId, cause);
  }

  /** Milliseconds since the TaskManager's last heartbeat. */
  timeSinceLastHeartbeat(resourceId: string): number | undefined {
    return this.heartbeats.sinceLast(resourceId);
  }

  /** Forgets a TaskManager and its slots; returns the slots that were allocated. */
  private removeTaskManager(resourceId: string, cause: string): SlotAllocation[] {
    if (!this.taskManagers.delete(resourceId)) return [];
    this.heartbeats.unmonitor(resourceId);
    const allocated = this.slotManager.unregisterTaskManager(resourceId);
    this.log.warn('TaskManager removed', { resourceId, cause });
    return allocated;
  }

  /**
   * The driver saw the TaskManager's process end (a YARN container completed, a local process
   * exited): every JobMaster with slots there is told at once, so that its tasks fail over now
   * instead of after `heartbeat.timeout`. Only the driver's word counts as an end: a TaskManager
   * that missed heartbeats may still run its tasks, and its JobMasters watch their own heartbeats.
   */
  private taskManagerEnded(resourceId: string, cause: string): void {
    const jobMasters = new Set(this.removeTaskManager(resourceId, cause).map((a) => a.jobMasterAddress));
    for (const address of jobMasters) {
      this.rpc
        .connect<JobMasterGateway>(address)
        .disconnectTaskManager(resourceId, cause)
        .catch((error: unknown) => this.log.debug('could not tell a JobMaster that a TaskManager ended', { resourceId, address, error }));
    }
  }

  async registerTaskExecutor(registration: TaskManagerRegistration): Promise<{ registrationId: string }> {
    const gateway = this.rpc.connect<TaskExecutorGateway>(registration.address);
    if (this.taskManagers.has(registration.resourceId)) this.removeTaskManager(registration.resourceId, 'registered again');
    this.taskManagers.set(registration.resourceId, { registration, gateway });
    this.heartbeats.monitor(registration.resourceId);
    this.active?.registered(registration.resourceId);
    this.slotManager.registerTaskManager(registration.resourceId, registration.numberOfSlots);
    this.log.debug('registered TaskManager', { resourceId: registration.resourceId, slots: registration.numberOfSlots });
    return { registrationId: randomHexId() };
  }

  requestSlot(jobId: string, jobMasterAddress: string, allocationId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.slotManager.request({ jobId, jobMasterAddress, allocationId, resolve, reject });
      this.active?.checkShortage();
    });
  }

  async cancelSlotRequest(allocationId: string): Promise<void> {
    this.slotManager.cancel(allocationId);
  }

  async notifySlotAvailable(resourceId: string, slotIndex: number, allocationId: string): Promise<void> {
    this.slotManager.freeSlot(resourceId, slotIndex, allocationId);
  }

  async sendSlotReport(report: SlotReport): Promise<void> {
    for (const slot of report.slots) {
      if (!slot.allocationId) continue;
      const allocated = this.slotManager.allocatedSlots().find((s) => s.resourceId === report.resourceId && s.slotIndex === slot.slotIndex);
      if (!allocated) this.log.warn('slot report disagrees', { resourceId: report.resourceId, slotIndex: slot.slotIndex });
    }
  }

  async requestResourceOverview(): Promise<ResourceOverview> {
    const counts = this.slotManager.counts();
    return {
      numberTaskManagers: this.taskManagers.size,
      numberRegisteredSlots: counts.total,
      numberFreeSlots: counts.free,
      taskManagers: [...this.taskManagers.values()].map((tm) => ({
        ...tm.registration,
        freeSlots: this.slotManager.freeSlotsOf(tm.registration.resourceId),
        ...(tm.status ? { status: tm.status } : {}),
      })),
    };
  }

  /** Allocated slots by TaskManager, for tests and the REST layer. */
  allocatedSlots(): Array<{ resourceId: string; slotIndex: number; jobId: string; allocationId: string }> {
    return this.slotManager.allocatedSlots();
  }
}

function unknownTaskManager(resourceId: string): SpindleError {
  return new SpindleError(`TaskManager ${resourceId} is not registered`, { code: 'UNKNOWN_TASK_MANAGER', recoverability: 'environment' });
}
