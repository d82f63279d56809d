import os from 'node:os';
import { SpindleError, getLogger } from '@spindle/core';
import type { TaskDeploymentDescriptor, TaskExecutionState } from '@spindle/protocol';
import type { JobMasterGateway, ResourceManagerGateway, TaskExecutorGateway } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import type { SlotHost, SlotHostFactory } from './slot-host.js';

interface Slot {
  index: number;
  allocationId?: string;
  jobId?: string;
  jobMasterAddress?: string;
  host?: SlotHost;
}

export interface TaskExecutorOptions {
  resourceId: string;
  address: string;
  numberOfSlots: number;
  dataPort: number;
  resourceManagerAddress: string;
}

/**
 * A TaskManager's slots and the tasks in them. It registers with the ResourceManager, offers
 * slots the ResourceManager assigns to the JobMaster that asked, runs deployed tasks in the
 * slot's host, and reports task states to the JobMaster.
 */
export class TaskExecutor implements TaskExecutorGateway {
  private readonly slots: Slot[];
  private readonly log = getLogger('task-executor');
  private resourceManager: ResourceManagerGateway | undefined;

  constructor(
    private readonly options: TaskExecutorOptions,
    private readonly rpc: RpcService,
    private readonly hostFactory: SlotHostFactory,
  ) {
    this.slots = Array.from({ length: options.numberOfSlots }, (_, index) => ({ index }));
  }

  get resourceId(): string {
    return this.options.resourceId;
  }

  async start(): Promise<void> {
    this.rpc.register(this.options.address, this);
    this.resourceManager = this.rpc.connect<ResourceManagerGateway>(this.options.resourceManagerAddress);
    await this.resourceManager.registerTaskExecutor({
      resourceId: this.options.resourceId,
      address: this.options.address,
      dataPort: this.options.dataPort,
      numberOfSlots: this.options.numberOfSlots,
      hardware: { cpuCores: os.cpus().length, physicalMemory: os.totalmem() },
    });
  }

  async close(): Promise<void> {
    this.rpc.unregister(this.options.address);
    await Promise.all(this.slots.map((s) => s.host?.close()));
  }

  async requestSlot(slotIndex: number, jobId: string, allocationId: string, jobMasterAddress: string): Promise<void> {
    const slot = this.slots[slotIndex];
    if (!slot) throw new SpindleError(`no slot ${slotIndex} on ${this.resourceId}`, { code: 'NO_SUCH_SLOT' });
    if (slot.allocationId && slot.allocationId !== allocationId) {
      throw new SpindleError(`slot ${slotIndex} of ${this.resourceId} is already allocated`, { code: 'SLOT_OCCUPIED' });
    }
    Object.assign(slot, { allocationId, jobId, jobMasterAddress });
    const jobMaster = this.rpc.connect<JobMasterGateway>(jobMasterAddress);
    const accepted = await jobMaster.offerSlots(this.resourceId, this.options.address, [{ allocationId, slotIndex }]);
    if (accepted.length === 0) await this.freeSlot(allocationId, 'offer rejected');
  }

  async submitTask(tdd: TaskDeploymentDescriptor): Promise<void> {
    const slot = this.slots.find((s) => s.allocationId === tdd.allocationId);
    if (!slot || slot.jobId !== tdd.jobId) {
      throw new SpindleError(`no slot allocated for ${tdd.allocationId} of job ${tdd.jobId}`, { code: 'SLOT_NOT_FOUND' });
    }
    slot.host ??= this.hostFactory(slot.index, tdd);
    const jobMaster = this.rpc.connect<JobMasterGateway>(slot.jobMasterAddress!);
    slot.host.deploy(tdd, (state: TaskExecutionState) => {
      jobMaster.updateTaskExecutionState(state).catch((e: unknown) => this.log.warn('could not report task state', { error: e }));
    });
  }

  async cancelTask(executionAttemptId: string): Promise<void> {
    for (const s of this.slots) s.host?.cancel(executionAttemptId);
  }

  async freeSlot(allocationId: string, cause: string): Promise<void> {
    const slot = this.slots.find((s) => s.allocationId === allocationId);
    if (!slot) return;
    const host = slot.host;
    delete slot.allocationId;
    delete slot.jobId;
    delete slot.jobMasterAddress;
    delete slot.host;
    await host?.close();
    this.log.debug('freed slot', { slot: slot.index, cause });
    await this.resourceManager?.notifySlotAvailable(this.resourceId, slot.index, allocationId);
  }

  /** Slots that hold an allocation, for tests and the REST layer. */
  allocatedSlotCount(): number {
    return this.slots.filter((s) => s.allocationId !== undefined).length;
  }
}
