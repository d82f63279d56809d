import { SpindleError, getLogger } from '@spindle/core';

/** A slot allocated to a job, as the JobMaster that holds it knows it. */
export interface SlotAllocation {
  jobId: string;
  allocationId: string;
  jobMasterAddress: string;
}

interface SlotEntry {
  resourceId: string;
  slotIndex: number;
  /** Set while the slot is allocated. */
  allocation?: SlotAllocation;
}

export interface PendingSlotRequest {
  jobId: string;
  jobMasterAddress: string;
  allocationId: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Knows every registered slot and whether it is free; matches slot requests to free slots in
 * request order, and keeps unmatched requests until a slot frees up or the request times out.
 */
export class SlotManager {
  private readonly slots = new Map<string, SlotEntry>();
  private readonly pending: PendingSlotRequest[] = [];
  private readonly log = getLogger('slot-manager');

  constructor(private readonly allocate: (slot: SlotEntry, request: PendingSlotRequest) => Promise<void>) {}

  registerTaskManager(resourceId: string, numberOfSlots: number): void {
    for (let i = 0; i < numberOfSlots; i++) this.slots.set(`${resourceId}/${i}`, { resourceId, slotIndex: i });
    this.serve();
  }

  /** Forgets the TaskManager's slots; returns those that were allocated. */
  unregisterTaskManager(resourceId: string): SlotAllocation[] {
    const allocated: SlotAllocation[] = [];
    for (const [key, slot] of this.slots) {
      if (slot.resourceId !== resourceId) continue;
      this.slots.delete(key);
      if (slot.allocation) allocated.push(slot.allocation);
    }
    return allocated;
  }

  request(request: PendingSlotRequest): void {
    this.pending.push(request);
    this.serve();
  }

  cancel(allocationId: string): void {
    const i = this.pending.findIndex((r) => r.allocationId === allocationId);
    if (i >= 0) this.pending.splice(i, 1)[0]!.reject(new SpindleError('slot request cancelled', { code: 'SLOT_REQUEST_CANCELLED' }));
  }

  /** Rejects every waiting request with `error`. */
  failPending(error: Error): void {
    for (const request of this.pending.splice(0)) request.reject(error);
  }

  freeSlot(resourceId: string, slotIndex: number, allocationId: string): void {
    const slot = this.slots.get(`${resourceId}/${slotIndex}`);
    if (!slot || slot.allocation?.allocationId !== allocationId) return;
    delete slot.allocation;
    this.serve();
  }

  pendingCount(): number {
    return this.pending.length;
  }

  counts(): { total: number; free: number } {
    let free = 0;
    for (const s of this.slots.values()) if (!s.allocation) free++;
    return { total: this.slots.size, free };
  }

  freeSlotsOf(resourceId: string): number {
    let free = 0;
    for (const s of this.slots.values()) if (s.resourceId === resourceId && !s.allocation) free++;
    return free;
  }

  allocatedSlots(): Array<{ resourceId: string; slotIndex: number; jobId: string; allocationId: string }> {
    const out = [];
    for (const s of this.slots.values()) {
      if (s.allocation)
        out.push({ resourceId: s.resourceId, slotIndex: s.slotIndex, jobId: s.allocation.jobId, allocationId: s.allocation.allocationId });
    }
    return out;
  }

  private serve(): void {
    while (this.pending.length > 0) {
      const slot = this.findFree();
      if (!slot) return;
      const request = this.pending.shift()!;
      const { jobId, allocationId, jobMasterAddress } = request;
      slot.allocation = { jobId, allocationId, jobMasterAddress };
      this.allocate(slot, request).then(request.resolve, (e: Error) => {
        this.log.warn('slot allocation failed', { allocationId: request.allocationId, error: e });
        delete slot.allocation;
        request.reject(e);
      });
    }
  }

  /** Spreads over TaskManagers in registration order, filling each before the next. */
  private findFree(): SlotEntry | undefined {
    for (const s of this.slots.values()) if (!s.allocation) return s;
    return undefined;
  }
}
