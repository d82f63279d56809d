import { randomHexId } from '@spindle/core';
import type { SlotOffer } from '@spindle/protocol';
import type { SlotAssignment } from '../executiongraph/execution-graph.js';

/**
 * The slots a JobMaster asked for and holds. A request is keyed by its slot-sharing key
 * (`<group>#<subtask>`): every subtask with that key is placed into the same slot.
 */
export class SlotPool {
  private readonly pending = new Map<string, string>();
  private readonly held = new Map<string, SlotAssignment>();

  /** Allocation ids to request, one per sharing key. */
  requestAll(keys: Iterable<string>): Array<{ key: string; allocationId: string }> {
    const out = [];
    for (const key of keys) {
      const allocationId = randomHexId();
      this.pending.set(allocationId, key);
      out.push({ key, allocationId });
    }
    return out;
  }

  /** Accepts offers for pending allocations; returns the accepted ones. */
  offer(resourceId: string, taskExecutorAddress: string, offers: SlotOffer[]): SlotOffer[] {
    const accepted = [];
    for (const o of offers) {
      const key = this.pending.get(o.allocationId);
      if (key === undefined) continue;
      this.pending.delete(o.allocationId);
      this.held.set(key, {
        resourceId,
        taskExecutorAddress,
        allocationId: o.allocationId,
        slotIndex: o.slotIndex,
        ...(o.dataAddress ? { dataAddress: o.dataAddress } : {}),
      });
      accepted.push(o);
    }
    return accepted;
  }

  isComplete(): boolean {
    return this.pending.size === 0;
  }

  slotFor(key: string): SlotAssignment | undefined {
    return this.held.get(key);
  }

  pendingAllocations(): string[] {
    return [...this.pending.keys()];
  }

  /** Whether a slot for `key` is held or requested. */
  hasOrAwaits(key: string): boolean {
    return this.held.has(key) || [...this.pending.values()].includes(key);
  }

  /** Pending requests: allocation id and sharing key. */
  pendingRequests(): Array<[allocationId: string, key: string]> {
    return [...this.pending];
  }

  /** Forgets a pending request (nobody needs its slot any more); an offer for it is then rejected. */
  dropPending(allocationId: string): void {
    this.pending.delete(allocationId);
  }

  /** Sharing keys of the slots held. */
  heldKeys(): string[] {
    return [...this.held.keys()];
  }

  /** Moves the slot held for `from` (whose tasks are done) to `to`, whose tasks then run in it. */
  reassign(from: string, to: string): void {
    const slot = this.held.get(from);
    if (slot === undefined || this.held.has(to)) return;
    this.held.delete(from);
    this.held.set(to, slot);
  }

  /** Gives up the slot held for `key` (its tasks are done); returns it to be freed at its TaskExecutor. */
  release(key: string): SlotAssignment | undefined {
    const slot = this.held.get(key);
    this.held.delete(key);
    return slot;
  }

  /** Forgets the slots held on the given TaskManagers (they are gone); returns their sharing keys. */
  releaseSlotsOf(resourceIds: ReadonlySet<string>): string[] {
    const keys: string[] = [];
    for (const [key, slot] of this.held) {
      if (!resourceIds.has(slot.resourceId)) continue;
      this.held.delete(key);
      keys.push(key);
    }
    return keys;
  }

  /** Every held slot, emptied from the pool. */
  releaseAll(): SlotAssignment[] {
    const all = [...this.held.values()];
    this.held.clear();
    this.pending.clear();
    return all;
  }
}
