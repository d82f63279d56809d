import { randomHexId, getLogger } from '@spindle/core';
import type { SlotReport, TaskManagerRegistration } from '@spindle/protocol';
import type { ResourceManagerGateway, ResourceOverview, TaskExecutorGateway } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import { SlotManager } from './slot-manager.js';

/**
 * Registers TaskExecutors and their slots, and hands slots to JobMasters through the
 * SlotManager: the chosen TaskExecutor is told to offer the slot to the requesting JobMaster.
 */
export class ResourceManager implements ResourceManagerGateway {
  private readonly taskManagers = new Map<string, { registration: TaskManagerRegistration; gateway: TaskExecutorGateway }>();
  private readonly slotManager: SlotManager;
  private readonly log = getLogger('resource-manager');

  constructor(
    readonly address: string,
    private readonly rpc: RpcService,
  ) {
    this.slotManager = new SlotManager(async (slot, request) => {
      const tm = this.taskManagers.get(slot.resourceId);
      if (!tm) throw new Error(`TaskManager ${slot.resourceId} is gone`);
      await tm.gateway.requestSlot(slot.slotIndex, request.jobId, request.allocationId, request.jobMasterAddress);
    });
  }

  start(): void {
    this.rpc.register(this.address, this);
  }

  close(): void {
    this.rpc.unregister(this.address);
  }

  async registerTaskExecutor(registration: TaskManagerRegistration): Promise<{ registrationId: string }> {
    const gateway = this.rpc.connect<TaskExecutorGateway>(registration.address);
    this.taskManagers.set(registration.resourceId, { registration, gateway });
    this.slotManager.registerTaskManager(registration.resourceId, registration.numberOfSlots);
    this.log.debug('registered TaskManager', { resourceId: registration.resourceId, slots: registration.numberOfSlots });
    return { registrationId: randomHexId() };
  }

  requestSlot(jobId: string, jobMasterAddress: string, allocationId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.slotManager.request({ jobId, jobMasterAddress, allocationId, resolve, reject });
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
      })),
    };
  }

  /** Allocated slots by TaskManager, for tests and the REST layer. */
  allocatedSlots(): Array<{ resourceId: string; slotIndex: number; jobId: string; allocationId: string }> {
    return this.slotManager.allocatedSlots();
  }
}
