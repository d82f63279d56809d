import type { Execution, ExecutionGraph } from '../executiongraph/execution-graph.js';
import { dfsJobDirectory, dfsPartitionDirectory, isDfsStorage } from '../network/dfs-blocking-partition.js';

interface TrackedPartition {
  producerKey: string;
  producerAttempt: string;
  resourceId: string;
  taskExecutorAddress: string;
  /** Where the partition lives on the distributed file system; undefined for a partition held by its TaskManager. */
  dfsDirectory: string | undefined;
  /** Execution keys of the consumers that read the partition. */
  consumers: string[];
}

/**
 * The BLOCKING partitions of one job that TaskManagers hold (Flink's JobMasterPartitionTracker):
 * tracked from the moment their producer FINISHED, released — the TaskManager deletes their files
 * — once every consumer finished, when their producer runs again, and when the job ends. A partition
 * whose TaskManager is lost, or that a consumer could not read, is forgotten as lost: failover then
 * reruns its producer. Called on the JobMaster's event loop.
 *
 * With `shuffle.blocking.storage` on a distributed file system, partitions live there instead:
 * the loss of their producer's TaskManager leaves them available, and releasing one deletes its
 * directory there (`deleteDfs`); when the job ends, the job's whole directory goes, with whatever
 * attempts that never finished left in it.
 */
export class PartitionTracker {
  private readonly partitions = new Map<string, TrackedPartition>();

  constructor(
    private readonly graph: ExecutionGraph,
    /** Asks the TaskExecutor at `address` to delete these partitions. */
    private readonly release: (taskExecutorAddress: string, partitionIds: string[]) => void,
    /** Deletes these directories of the distributed file system, recursively. */
    private readonly deleteDfs: (directories: string[]) => void = () => undefined,
  ) {}

  private get storage(): string | undefined {
    return isDfsStorage(this.graph.blockingStorage) ? this.graph.blockingStorage : undefined;
  }

  /** `e` FINISHED: its blocking partitions are complete on its TaskManager. */
  producerFinished(e: Execution): void {
    if (!e.slot) return;
    for (const { partitionId, consumers } of this.graph.blockingConsumers(e)) {
      this.partitions.set(partitionId, {
        producerKey: e.key,
        producerAttempt: e.attemptId,
        resourceId: e.slot.resourceId,
        taskExecutorAddress: e.slot.taskExecutorAddress,
        dfsDirectory: this.storage && dfsPartitionDirectory(this.storage, this.graph.jobGraph.jobId, partitionId),
        consumers,
      });
    }
  }

  /** Whether every blocking partition of the (finished) execution `e` is still held. */
  isAvailable(e: Execution): boolean {
    return this.graph.blockingConsumers(e).every((p) => this.partitions.has(p.partitionId));
  }

  /** A consumer could not read this partition: it is gone. */
  markLost(partitionId: string): void {
    this.partitions.delete(partitionId);
  }

  /** Forgets every partition held by a TaskManager that is gone (those on the distributed file system stay). */
  taskManagerLost(resourceId: string): void {
    for (const [id, p] of [...this.partitions]) if (p.resourceId === resourceId && !p.dfsDirectory) this.partitions.delete(id);
  }

  /** Releases the partitions whose consumers all finished, and those of attempts that are no longer current. */
  releaseUnneeded(): void {
    this.releaseWhere(
      (p) =>
        this.graph.current(p.producerKey).attemptId !== p.producerAttempt ||
        p.consumers.every((k) => this.graph.current(k).state === 'FINISHED'),
    );
  }

  /** The job ended: every partition goes. */
  releaseAll(): void {
    this.releaseWhere(() => true);
    if (this.storage) this.deleteDfs([dfsJobDirectory(this.storage, this.graph.jobGraph.jobId)]);
  }

  /** Partitions tracked now, for tests. */
  size(): number {
    return this.partitions.size;
  }

  private releaseWhere(match: (p: TrackedPartition) => boolean): void {
    const byAddress = new Map<string, string[]>();
    const onDfs: string[] = [];
    for (const [id, p] of [...this.partitions]) {
      if (!match(p)) continue;
      this.partitions.delete(id);
      if (p.dfsDirectory) onDfs.push(p.dfsDirectory);
      else byAddress.set(p.taskExecutorAddress, [...(byAddress.get(p.taskExecutorAddress) ?? []), id]);
    }
    for (const [address, ids] of byAddress) this.release(address, ids);
    if (onDfs.length > 0) this.deleteDfs(onDfs);
  }
}
