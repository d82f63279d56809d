import os from 'node:os';
import { SpindleError } from '@spindle/core';
import type { BlockingPartitionMeta } from './blocking-partition-file.js';
import { BlockingPartitionStore, FileSubpartitionSender } from './blocking-partition-store.js';
import { DfsSubpartitionReader } from './dfs-blocking-partition.js';
import { directLinkPair, type ConsumerLink, type ProducerLink } from './channel-link.js';
import type { ResultPartition } from './result-partition.js';

/**
 * Finds a partition that lives in another thread or process. Answers a link to the producer, or
 * 'local' when the producer turns out to live in the asking thread after all.
 */
export interface PartitionRouter {
  announce(partitionId: string): void;
  withdraw(partitionId: string): void;
  /** A BLOCKING partition is complete: from now on the TaskExecutor (its blocking partition store) owns and serves it. */
  announceBlocking(meta: BlockingPartitionMeta): void;
  /** `location` is where the producer runs (its TaskManager's data address), when known. */
  request(partitionId: string, subpartition: number, location?: string, signal?: AbortSignal): Promise<ConsumerLink | 'local'>;
}

/** Who asks for a subpartition: the job it belongs to, and a signal that withdraws the request. */
export interface SubpartitionRequestOptions {
  jobId?: string;
  /** Aborted when the consumer is cancelled: a request still waiting is dropped and rejected. */
  signal?: AbortSignal;
  /**
   * Where a complete BLOCKING partition lives on a distributed file system: the consumer reads
   * it from there itself, whether or not its producer's TaskManager is still alive.
   */
  dfsDirectory?: string;
}

/**
 * Where the tasks of this thread put BLOCKING partitions: the directories they write into, and,
 * when this thread is the TaskExecutor's own (no router), the store that keeps complete ones.
 */
export interface BlockingPartitionOptions {
  directories?: string[];
  store?: BlockingPartitionStore;
}

/** What a registered partition id stands for: a pipelined partition of this thread, or a complete blocking one in the store. */
type Registered = ResultPartition | 'blocking';

interface Waiter {
  jobId: string | undefined;
  resolve: (p: Registered) => void;
  reject: (e: Error) => void;
}

/** A link that delivers subpartition `subpartition` of the DFS partition in `directory`, read on this thread. */
function connectDfs(partitionId: string, directory: string, subpartition: number): ConsumerLink {
  const pair = directLinkPair();
  DfsSubpartitionReader.open(directory, subpartition).then(
    (reader) => new FileSubpartitionSender(reader, pair.producer, partitionId).start(),
    (e: Error) => pair.producer.send({ t: 'f', message: `cannot read blocking partition ${partitionId} in ${directory}: ${e.message}` }),
  );
  return pair.consumer;
}

/** Why a consumer stopped waiting for a partition. */
export function partitionWaitEnded(partitionId: string, why: string): SpindleError {
  return new SpindleError(`stopped waiting for partition ${partitionId}: ${why}`, {
    code: 'PARTITION_REQUEST_RELEASED',
    recoverability: 'recoverable',
  });
}

/**
 * The partitions produced in this thread, and how consumers reach any partition. A request for a
 * partition that is not (yet) registered here goes to the router, or waits for registration when
 * there is none (all tasks in one thread). A waiting request ends when its consumer is cancelled
 * (its signal) or when its job ends (`releaseJob`), so nothing waits for a partition that will
 * never appear.
 */
export class PartitionManager {
  private readonly partitions = new Map<string, ResultPartition>();
  private readonly jobOf = new Map<string, string>();
  private readonly waiting = new Map<string, Waiter[]>();

  private store: BlockingPartitionStore | undefined;

  constructor(
    private readonly router?: PartitionRouter,
    private readonly blocking: BlockingPartitionOptions = {},
  ) {
    this.store = blocking.store;
  }

  /**
   * The directory a BLOCKING partition of producer subtask `subtask` is written into (spread over
   * the `io.tmp.dirs` entries). A thread given none (tests that run tasks bare) gets a store of its
   * own in the system's temporary directory.
   */
  blockingDirectory(subtask: number): string {
    const dirs = this.blocking.directories ?? this.ownStore().directories;
    return dirs[subtask % dirs.length]!;
  }

  /** A BLOCKING partition of a task here is complete: it is handed to the TaskExecutor's store. */
  completeBlocking(meta: BlockingPartitionMeta): void {
    if (this.router && !this.store) return this.router.announceBlocking(meta);
    this.ownStore().add(meta);
    this.resolveWaiters(meta.partitionId, 'blocking');
  }

  /** Deletes blocking partitions held by this thread's store (the JobMaster released them). */
  releaseBlocking(partitionIds: Iterable<string>): void {
    this.store?.release(partitionIds);
  }

  /** Deletes every blocking partition of `jobId` held by this thread's store. */
  releaseBlockingJob(jobId: string): void {
    this.store?.releaseJob(jobId);
  }

  /** Whether this thread's store holds blocking partitions of `jobId`. */
  holdsBlocking(jobId: string): boolean {
    return this.store?.holdsJob(jobId) ?? false;
  }

  /** The blocking partitions this thread's store holds. */
  blockingPartitions(): string[] {
    return this.store?.ids() ?? [];
  }

  /** Removes this thread's blocking partitions and their directories. */
  close(): void {
    this.store?.close();
  }

  private ownStore(): BlockingPartitionStore {
    this.store ??= new BlockingPartitionStore([os.tmpdir()]);
    return this.store;
  }

  private resolveWaiters(partitionId: string, registered: Registered): void {
    const waiters = this.waiting.get(partitionId);
    this.waiting.delete(partitionId);
    for (const w of waiters ?? []) w.resolve(registered);
  }

  register(partition: ResultPartition, jobId?: string): void {
    this.partitions.set(partition.id, partition);
    if (jobId !== undefined) this.jobOf.set(partition.id, jobId);
    this.resolveWaiters(partition.id, partition);
    this.router?.announce(partition.id);
  }

  unregister(partitionId: string): void {
    this.partitions.delete(partitionId);
    this.jobOf.delete(partitionId);
    this.router?.withdraw(partitionId);
  }

  /**
   * Forgets everything of a job that ended: its partitions are released and unregistered, and
   * its consumers still waiting for a partition are rejected with `reason`.
   */
  releaseJob(jobId: string, reason: string): void {
    for (const [id, job] of [...this.jobOf]) {
      if (job !== jobId) continue;
      this.partitions.get(id)?.release();
      this.unregister(id);
    }
    for (const [id, list] of [...this.waiting]) {
      const keep = list.filter((w) => w.jobId !== jobId);
      for (const w of list) if (w.jobId === jobId) w.reject(partitionWaitEnded(id, reason));
      if (keep.length > 0) this.waiting.set(id, keep);
      else this.waiting.delete(id);
    }
  }

  /** Number of partitions registered and of requests waiting, to check that a job left nothing. */
  size(): { partitions: number; waiting: number } {
    let waiting = 0;
    for (const list of this.waiting.values()) waiting += list.length;
    return { partitions: this.partitions.size, waiting };
  }

  get(partitionId: string): ResultPartition | undefined {
    return this.partitions.get(partitionId);
  }

  async requestSubpartition(
    partitionId: string,
    subpartition: number,
    location?: string,
    options: SubpartitionRequestOptions = {},
  ): Promise<ConsumerLink> {
    if (options.dfsDirectory !== undefined) return connectDfs(partitionId, options.dfsDirectory, subpartition);
    const here = this.partitions.get(partitionId);
    if (here) return this.connectLocal(here, subpartition);
    if (this.store?.has(partitionId)) return this.connectLocal('blocking', subpartition, partitionId);
    if (this.router) {
      const answer = await this.router.request(partitionId, subpartition, location, options.signal);
      if (answer !== 'local') return answer;
    }
    return this.connectLocal(await this.whenRegistered(partitionId, options), subpartition, partitionId);
  }

  /** Serves a subpartition of a partition of this thread over a link made elsewhere. */
  servePartition(partitionId: string, subpartition: number, link: ProducerLink): void {
    const serve = (p: Registered): void => {
      if (p === 'blocking') return this.store!.serve(partitionId, subpartition, link);
      const sp = p.subpartitions[subpartition];
      if (sp) sp.connect(link);
      else
        link.send({ t: 'f', message: `partition ${partitionId} has no subpartition ${subpartition} (it has ${p.subpartitions.length})` });
    };
    const here = this.partitions.get(partitionId);
    if (here) serve(here);
    else void this.whenRegistered(partitionId).then(serve, (e: Error) => link.send({ t: 'f', message: e.message }));
  }

  private connectLocal(partition: Registered, subpartition: number, partitionId = ''): ConsumerLink {
    const pair = directLinkPair();
    if (partition === 'blocking') this.store!.serve(partitionId, subpartition, pair.producer);
    else partition.subpartitions[subpartition]!.connect(pair.producer);
    return pair.consumer;
  }

  private whenRegistered(partitionId: string, { jobId, signal }: SubpartitionRequestOptions = {}): Promise<Registered> {
    const here = this.partitions.get(partitionId);
    if (here) return Promise.resolve(here);
    if (this.store?.has(partitionId)) return Promise.resolve('blocking');
    if (signal?.aborted) return Promise.reject(partitionWaitEnded(partitionId, 'the consumer was cancelled'));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.drop(partitionId, waiter);
        reject(partitionWaitEnded(partitionId, 'the consumer was cancelled'));
      };
      const waiter: Waiter = {
        jobId,
        resolve: (p) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(p);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.waiting.get(partitionId) ?? [];
      list.push(waiter);
      this.waiting.set(partitionId, list);
    });
  }

  private drop(partitionId: string, waiter: Waiter): void {
    const list = (this.waiting.get(partitionId) ?? []).filter((w) => w !== waiter);
    if (list.length > 0) this.waiting.set(partitionId, list);
    else this.waiting.delete(partitionId);
  }
}
