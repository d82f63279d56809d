import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { getLogger } from '@spindle/core';
import { PortLink, type ChannelLink, type ConsumerLink, type ProducerLink, type ToConsumer, type ToProducer } from '../network/channel-link.js';

/** A thread that produces and consumes partitions, as seen by the hub. */
export interface HubMember {
  serve(partitionId: string, subpartition: number, port: MessagePort): void;
  connected(requestId: number, port?: MessagePort): void;
}

export interface ShuffleHubOptions {
  /** This TaskManager's data address (host:port); requests for other locations go remote. */
  selfLocation?: string;
  /** Opens a channel to a subpartition of another TaskManager. */
  remote?: (location: string, partitionId: string, subpartition: number) => Promise<ConsumerLink>;
}

/** Forwards every message between two links, moving segments where a thread boundary is crossed. */
export function bridge<A, B>(a: ChannelLink<A, B>, b: ChannelLink<B, A>): void {
  const transferables = (m: ToConsumer | ToProducer): ArrayBuffer[] => (m.t === 'b' ? [m.data] : m.t === 'c' ? m.recycled : []);
  a.onMessage((m) => b.send(m as unknown as B, transferables(m as unknown as ToConsumer)));
  b.onMessage((m) => a.send(m as unknown as A, transferables(m as unknown as ToProducer)));
}

/**
 * Connects consumers to producers among the slot workers of one process: it knows which
 * worker holds which partition and answers each subpartition request with a fresh
 * MessageChannel (or 'local' when both tasks share the worker). Partitions of other
 * TaskManagers are reached through `remote`, and remote consumers of local partitions through
 * `serveRemote`; the hub bridges those TCP channels to the workers. Requests for partitions
 * not announced yet wait for the announcement.
 */
export class ShuffleHub {
  private readonly owners = new Map<string, HubMember>();
  private readonly waiting = new Map<string, Array<(owner: HubMember) => void>>();
  private readonly log = getLogger('shuffle-hub');

  constructor(private readonly options: ShuffleHubOptions = {}) {}

  announce(member: HubMember, partitionId: string): void {
    this.owners.set(partitionId, member);
    const list = this.waiting.get(partitionId) ?? [];
    this.waiting.delete(partitionId);
    for (const w of list) w(member);
  }

  withdraw(member: HubMember, partitionId: string): void {
    if (this.owners.get(partitionId) === member) this.owners.delete(partitionId);
  }

  request(member: HubMember, requestId: number, partitionId: string, subpartition: number, location?: string): void {
    const { remote, selfLocation } = this.options;
    if (!this.owners.has(partitionId) && remote && location && location !== selfLocation) {
      remote(location, partitionId, subpartition).then(
        (link) => {
          const channel = new MessageChannel();
          bridge(new PortLink<ToConsumer, ToProducer>(channel.port1), link);
          member.connected(requestId, channel.port2);
        },
        (e: unknown) => {
          this.log.warn('cannot reach a remote partition', { partitionId, location, error: e });
          const channel = new MessageChannel();
          channel.port1.postMessage({ t: 'f', message: `cannot reach the TaskManager at ${location}: ${(e as Error).message}` });
          member.connected(requestId, channel.port2);
        },
      );
      return;
    }
    this.whenOwned(partitionId, (owner) => this.connect(owner, member, requestId, partitionId, subpartition));
  }

  /** Serves a local partition to a consumer in another TaskManager. */
  serveRemote(partitionId: string, subpartition: number, link: ProducerLink): void {
    this.whenOwned(partitionId, (owner) => {
      const channel = new MessageChannel();
      owner.serve(partitionId, subpartition, channel.port1);
      bridge(new PortLink<ToProducer, ToConsumer>(channel.port2), link);
    });
  }

  /** Forgets every partition of a member that went away. */
  remove(member: HubMember): void {
    for (const [id, owner] of this.owners) if (owner === member) this.owners.delete(id);
  }

  private whenOwned(partitionId: string, then: (owner: HubMember) => void): void {
    const owner = this.owners.get(partitionId);
    if (owner) {
      then(owner);
      return;
    }
    const list = this.waiting.get(partitionId) ?? [];
    list.push(then);
    this.waiting.set(partitionId, list);
  }

  private connect(owner: HubMember, member: HubMember, requestId: number, partitionId: string, subpartition: number): void {
    if (owner === member) {
      member.connected(requestId);
      return;
    }
    const channel = new MessageChannel();
    owner.serve(partitionId, subpartition, channel.port1);
    member.connected(requestId, channel.port2);
  }
}
