import { MessageChannel } from 'node:worker_threads';

/** A thread that produces and consumes partitions, as seen by the hub. */
export interface HubMember {
  serve(partitionId: string, subpartition: number, port: import('node:worker_threads').MessagePort): void;
  connected(requestId: number, port?: import('node:worker_threads').MessagePort): void;
}

/**
 * Connects consumers to producers among the slot workers of one process: it knows which
 * worker holds which partition and answers each subpartition request with a fresh
 * MessageChannel (or 'local' when both tasks share the worker). Requests for partitions not
 * announced yet wait for the announcement.
 */
export class ShuffleHub {
  private readonly owners = new Map<string, HubMember>();
  private readonly waiting = new Map<string, Array<{ member: HubMember; requestId: number; subpartition: number }>>();

  announce(member: HubMember, partitionId: string): void {
    this.owners.set(partitionId, member);
    const list = this.waiting.get(partitionId) ?? [];
    this.waiting.delete(partitionId);
    for (const r of list) this.connect(r.member, r.requestId, partitionId, r.subpartition);
  }

  withdraw(member: HubMember, partitionId: string): void {
    if (this.owners.get(partitionId) === member) this.owners.delete(partitionId);
  }

  request(member: HubMember, requestId: number, partitionId: string, subpartition: number): void {
    if (this.owners.has(partitionId)) this.connect(member, requestId, partitionId, subpartition);
    else {
      const list = this.waiting.get(partitionId) ?? [];
      list.push({ member, requestId, subpartition });
      this.waiting.set(partitionId, list);
    }
  }

  /** Forgets every partition of a member that went away. */
  remove(member: HubMember): void {
    for (const [id, owner] of this.owners) if (owner === member) this.owners.delete(id);
    for (const [id, list] of this.waiting) {
      const kept = list.filter((r) => r.member !== member);
      if (kept.length > 0) this.waiting.set(id, kept);
      else this.waiting.delete(id);
    }
  }

  private connect(member: HubMember, requestId: number, partitionId: string, subpartition: number): void {
    const owner = this.owners.get(partitionId)!;
    if (owner === member) {
      member.connected(requestId);
      return;
    }
    const channel = new MessageChannel();
    owner.serve(partitionId, subpartition, channel.port1);
    member.connected(requestId, channel.port2);
  }
}
