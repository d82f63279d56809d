import { directLinkPair, type ConsumerLink, type ProducerLink } from './channel-link.js';
import type { ResultPartition } from './result-partition.js';

/**
 * Finds a partition that lives in another thread or process. Answers a link to the producer, or
 * 'local' when the producer turns out to live in the asking thread after all.
 */
export interface PartitionRouter {
  announce(partitionId: string): void;
  withdraw(partitionId: string): void;
  /** `location` is where the producer runs (its TaskManager's data address), when known. */
  request(partitionId: string, subpartition: number, location?: string): Promise<ConsumerLink | 'local'>;
}

/**
 * The partitions produced in this thread, and how consumers reach any partition. A request for a
 * partition that is not (yet) registered here goes to the router, or waits for registration when
 * there is none (all tasks in one thread).
 */
export class PartitionManager {
  private readonly partitions = new Map<string, ResultPartition>();
  private readonly waiting = new Map<string, Array<(p: ResultPartition) => void>>();

  constructor(private readonly router?: PartitionRouter) {}

  register(partition: ResultPartition): void {
    this.partitions.set(partition.id, partition);
    const waiters = this.waiting.get(partition.id);
    this.waiting.delete(partition.id);
    for (const w of waiters ?? []) w(partition);
    this.router?.announce(partition.id);
  }

  unregister(partitionId: string): void {
    this.partitions.delete(partitionId);
    this.router?.withdraw(partitionId);
  }

  get(partitionId: string): ResultPartition | undefined {
    return this.partitions.get(partitionId);
  }

  async requestSubpartition(partitionId: string, subpartition: number, location?: string): Promise<ConsumerLink> {
    const here = this.partitions.get(partitionId);
    if (here) return this.connectLocal(here, subpartition);
    if (this.router) {
      const answer = await this.router.request(partitionId, subpartition, location);
      if (answer !== 'local') return answer;
    }
    return this.connectLocal(await this.whenRegistered(partitionId), subpartition);
  }

  /** Serves a subpartition of a partition of this thread over a link made elsewhere. */
  servePartition(partitionId: string, subpartition: number, link: ProducerLink): void {
    const serve = (p: ResultPartition): void => {
      const sp = p.subpartitions[subpartition];
      if (sp) sp.connect(link);
      else link.send({ t: 'f', message: `partition ${partitionId} has no subpartition ${subpartition} (it has ${p.subpartitions.length})` });
    };
    const here = this.partitions.get(partitionId);
    if (here) serve(here);
    else void this.whenRegistered(partitionId).then(serve);
  }

  private connectLocal(partition: ResultPartition, subpartition: number): ConsumerLink {
    const pair = directLinkPair();
    partition.subpartitions[subpartition]!.connect(pair.producer);
    return pair.consumer;
  }

  private whenRegistered(partitionId: string): Promise<ResultPartition> {
    const here = this.partitions.get(partitionId);
    if (here) return Promise.resolve(here);
    return new Promise((resolve) => {
      const list = this.waiting.get(partitionId) ?? [];
      list.push(resolve);
      this.waiting.set(partitionId, list);
    });
  }
}
