import os from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { getLogger } from '@spindle/core';
import type { BlockingPartitionMeta } from '../network/blocking-partition-file.js';
import { BlockingPartitionStore } from '../network/blocking-partition-store.js';
import { partitionWaitEnded } from '../network/partition-manager.js';
import {
  PortLink,
  type ChannelLink,
  type ConsumerLink,
  type ProducerLink,
  type ToConsumer,
  type ToProducer,
} from '../network/channel-link.js';

/** A thread that produces and consumes partitions, as seen by the hub. */
export interface HubMember {
  /** The job whose tasks this member runs (a slot holds one job's tasks); sent with its remote requests. */
  readonly jobId?: string;
  serve(partitionId: string, subpartition: number, port: MessagePort): void;
  connected(requestId: number, port?: MessagePort): void;
}

export interface ShuffleHubOptions {
  /** This TaskManager's data address (host:port); requests for other locations go remote. */
  selfLocation?: string;
  /** Opens a channel to a subpartition of another TaskManager for a consumer of job `jobId`. */
  remote?: (location: string, partitionId: string, subpartition: number, jobId?: string) => Promise<ConsumerLink>;
  /**
   * Whether a job holds slots on this TaskManager. A remote request of a job that does not is
   * answered with an error at once: its partition will never appear here.
   */
  jobActive?: (jobId: string) => boolean;
  /** The TaskExecutor's BLOCKING partitions; one in the system's temporary directory when absent. */
  blockingStore?: BlockingPartitionStore;
}

interface Waiter {
  /** The worker that asked, with its request id; absent for a remote consumer. */
  member?: HubMember;
  requestId?: number;
  /** A remote consumer's channel, and the job it named. */
  remote?: { link: ProducerLink; jobId: string | undefined };
  then: (owner: HubMember) => void;
}

/** Forwards every message between two links, moving segments where a thread boundary is crossed. */
export function bridge<A, B>(a: ChannelLink<A, B>, b: ChannelLink<B, A>): void {
  const transferables = (m: ToConsumer | ToProducer): ArrayBuffer[] =>
    m.t === 'b' || m.t === 'v' ? [m.data] : m.t === 'c' ? m.recycled : [];
  a.onMessage((m) => b.send(m, transferables(m as unknown as ToConsumer)));
  b.onMessage((m) => a.send(m, transferables(m as unknown as ToProducer)));
}

/**
 * Connects consumers to producers among the slot workers of one process: it knows which
 * worker holds which partition and answers each subpartition request with a fresh
 * MessageChannel (or 'local' when both tasks share the worker). Partitions of other
 * TaskManagers are reached through `remote`, and remote consumers of local partitions through
 * `serveRemote`; the hub bridges those TCP channels to the workers. Requests for partitions
 * not announced yet wait for the announcement, until their consumer withdraws them (`abandon`)
 * or its worker goes (`remove`, when its slot is freed). A remote consumer's request waits until
 * the partition appears or its job ends on this TaskManager (`releaseJob`), which answers it with
 * an error frame. Until then the hub never reads the remote channel: credit that arrives
 * meanwhile stays queued in the link for the producer.
 */
export class ShuffleHub {
  private readonly owners = new Map<string, HubMember>();
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly log = getLogger('shuffle-hub');
  private store: BlockingPartitionStore | undefined;
  /** The owner of every complete BLOCKING partition: the store, on this thread, for any slot's consumers. */
  private readonly storeMember: HubMember = {
    serve: (partitionId, subpartition, port) => this.blocking.serve(partitionId, subpartition, new PortLink<ToConsumer, ToProducer>(port)),
    connected: () => undefined,
  };

  constructor(private readonly options: ShuffleHubOptions = {}) {
    this.store = options.blockingStore;
  }

  /** The TaskExecutor's BLOCKING partitions (a store in the system's temporary directory unless one was given). */
  get blocking(): BlockingPartitionStore {
    this.store ??= new BlockingPartitionStore([os.tmpdir()]);
    return this.store;
  }

  /**
   * A slot's task completed a BLOCKING partition: the TaskExecutor owns it from now on, beyond the
   * slot's life, until `releaseBlocking` (the JobMaster's partition tracker) or `close`.
   */
  announceBlocking(meta: BlockingPartitionMeta): void {
    this.blocking.add(meta);
    this.announce(this.storeMember, meta.partitionId);
  }

  /** Deletes BLOCKING partitions the JobMaster no longer needs. */
  releaseBlocking(partitionIds: readonly string[]): void {
    for (const id of partitionIds) if (this.owners.get(id) === this.storeMember) this.owners.delete(id);
    this.blocking.release(partitionIds);
  }

  /** Deletes every BLOCKING partition of a job (its JobMaster is lost). */
  releaseBlockingJob(jobId: string): void {
    this.releaseBlocking(this.store?.idsOf(jobId) ?? []);
  }

  /** Removes every BLOCKING partition and its directories (the TaskManager shuts down). */
  close(): void {
    for (const [id, owner] of [...this.owners]) if (owner === this.storeMember) this.owners.delete(id);
    this.store?.close();
  }

  announce(member: HubMember, partitionId: string): void {
    this.owners.set(partitionId, member);
    const list = this.waiting.get(partitionId) ?? [];
    this.waiting.delete(partitionId);
    for (const w of list) w.then(member);
  }

  withdraw(member: HubMember, partitionId: string): void {
    if (this.owners.get(partitionId) === member) this.owners.delete(partitionId);
  }

  request(member: HubMember, requestId: number, partitionId: string, subpartition: number, location?: string): void {
    const { remote, selfLocation } = this.options;
    if (!this.owners.has(partitionId) && remote && location && location !== selfLocation) {
      remote(location, partitionId, subpartition, member.jobId).then(
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
    this.whenOwned(partitionId, { member, requestId, then: (owner) => this.connect(owner, member, requestId, partitionId, subpartition) });
  }

  /** Forgets a request whose consumer was cancelled before the partition appeared. */
  abandon(member: HubMember, requestId: number): void {
    this.dropWaiters((w) => w.member === member && w.requestId === requestId);
  }

  /** Serves a local partition to a consumer of job `jobId` in another TaskManager. */
  serveRemote(partitionId: string, subpartition: number, link: ProducerLink, jobId?: string): void {
    const { jobActive } = this.options;
    if (!this.owners.has(partitionId) && jobId && jobActive && !jobActive(jobId)) {
      link.send({ t: 'f', message: partitionWaitEnded(partitionId, `job ${jobId} has no slots on this TaskManager (it ended)`).message });
      return;
    }
    const waiter: Waiter = {
      remote: { link, jobId },
      then: (owner) => {
        const channel = new MessageChannel();
        owner.serve(partitionId, subpartition, channel.port1);
        bridge(new PortLink<ToProducer, ToConsumer>(channel.port2), link);
      },
    };
    this.whenOwned(partitionId, waiter);
  }

  /** Forgets every partition of a member that went away, and every request it was waiting on. */
  remove(member: HubMember): void {
    for (const [id, owner] of this.owners) if (owner === member) this.owners.delete(id);
    this.dropWaiters((w) => w.member === member);
  }

  /**
   * Forgets a job that ended on this TaskManager: the partitions of its members, and its requests
   * still waiting. Remote consumers get an error frame saying `reason`; the workers' own requests
   * are rejected inside the workers (`PartitionManager.releaseJob`) or go with them.
   */
  releaseJob(jobId: string, reason: string): void {
    for (const [id, owner] of this.owners) if (owner.jobId === jobId) this.owners.delete(id);
    for (const [id, list] of this.waiting) {
      for (const w of list) {
        if (w.remote?.jobId === jobId) w.remote.link.send({ t: 'f', message: partitionWaitEnded(id, reason).message });
      }
    }
    this.dropWaiters((w) => w.remote?.jobId === jobId || (w.member !== undefined && w.member.jobId === jobId));
  }

  /** Partitions known and requests waiting, to check that nothing of an ended job is left. */
  size(): { partitions: number; waiting: number } {
    let waiting = 0;
    for (const list of this.waiting.values()) waiting += list.length;
    return { partitions: this.owners.size, waiting };
  }

  private whenOwned(partitionId: string, waiter: Waiter): void {
    const owner = this.owners.get(partitionId);
    if (owner) {
      waiter.then(owner);
      return;
    }
    const list = this.waiting.get(partitionId) ?? [];
    list.push(waiter);
    this.waiting.set(partitionId, list);
  }

  private dropWaiters(match: (w: Waiter) => boolean): void {
    for (const [id, list] of [...this.waiting]) {
      const keep = list.filter((w) => !match(w));
      if (keep.length > 0) this.waiting.set(id, keep);
      else this.waiting.delete(id);
    }
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
