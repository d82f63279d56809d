import { Configuration, TaskManagerMemoryOptions, localManagedMemoryPerSlot, randomHexId, type Scheduler } from '@spindle/core';
import type { JobArtifact, JobExecutionResultSpec, JobGraphSpec } from '@spindle/protocol';
import { Dispatcher } from '../dispatcher/dispatcher.js';
import { BlockingPartitionStore, tmpDirs } from '../network/blocking-partition-store.js';
import { PartitionManager } from '../network/partition-manager.js';
import type { JobProgram } from '../program/program-context.js';
import { ResourceManager } from '../resourcemanager/resource-manager.js';
import { LocalRpcService } from '../rpc/rpc-service.js';
import { InlineSlotHost } from '../taskexecutor/inline-slot-host.js';
import { ShuffleHub } from '../taskexecutor/shuffle-hub.js';
import type { SlotHostFactory } from '../taskexecutor/slot-host.js';
import { TaskExecutor } from '../taskexecutor/task-executor.js';
import { WorkerSlotHost } from '../taskexecutor/worker-slot-host.js';

export interface MiniClusterOptions {
  config: Configuration;
  numTaskManagers: number;
  slotsPerTaskManager: number;
  /**
   * 'worker': every slot is a worker thread that loads the job bundle (what `spindle run` uses);
   * 'inline': tasks run in this thread with programs registered in-process (tests, scripts).
   */
  slotMode: 'worker' | 'inline';
  /** The clock by which the Dispatcher expires finished jobs; the system clock by default. */
  scheduler?: Scheduler;
}

/**
 * Dispatcher, ResourceManager and TaskExecutors in one process, joined by the in-process RPC
 * transport: the same components and code paths as a cluster, without sockets.
 */
export class MiniCluster {
  private readonly rpc = new LocalRpcService();
  readonly resourceManager: ResourceManager;
  readonly dispatcher: Dispatcher;
  readonly taskExecutors: TaskExecutor[] = [];
  private readonly programs = new Map<string, JobProgram>();
  private readonly inlinePartitions: PartitionManager;
  private readonly hub: ShuffleHub;
  private closed = false;

  constructor(private readonly options: MiniClusterOptions) {
    this.inlinePartitions = new PartitionManager(undefined, { store: new BlockingPartitionStore(tmpDirs(options.config)) });
    this.hub = new ShuffleHub({ blockingStore: new BlockingPartitionStore(tmpDirs(options.config)) });
    this.resourceManager = new ResourceManager('resourcemanager', this.rpc, options.config);
    this.dispatcher = new Dispatcher(
      'dispatcher',
      options.config,
      this.rpc,
      'resourcemanager',
      options.scheduler ? { clock: options.scheduler } : {},
    );
  }

  async start(): Promise<void> {
    await this.resourceManager.start();
    this.dispatcher.start();
    for (let i = 0; i < this.options.numTaskManagers; i++) {
      const resourceId = `localhost:${i}-${randomHexId().slice(0, 6)}`;
      const te = new TaskExecutor(
        {
          resourceId,
          address: `taskexecutor/${i}`,
          numberOfSlots: this.options.slotsPerTaskManager,
          dataPort: -1,
          resourceManagerAddress: 'resourcemanager',
          releasePartitions: (_jobId, ids) => {
            this.inlinePartitions.releaseBlocking(ids);
            this.hub.releaseBlocking(ids);
          },
          holdsPartitionsOf: (jobId) => this.inlinePartitions.holdsBlocking(jobId) || this.hub.blocking.holdsJob(jobId),
          releaseJobPartitions: (jobId) => {
            this.inlinePartitions.releaseBlockingJob(jobId);
            this.hub.releaseBlockingJob(jobId);
          },
        },
        this.rpc,
        this.hostFactory(),
        this.options.config,
      );
      this.taskExecutors.push(te);
      await te.start();
    }
  }

  private hostFactory(): SlotHostFactory {
    const managed = localManagedMemoryPerSlot(
      this.options.config.get(TaskManagerMemoryOptions.MANAGED_SIZE),
      this.options.slotsPerTaskManager,
    );
    if (this.options.slotMode === 'inline') {
      return (_slotIndex, tdd) => new InlineSlotHost(this.inlinePartitions, (jobId) => this.programs.get(jobId), tdd.jobId, managed);
    }
    const config = this.options.config.toMap();
    return (slotIndex, tdd) => new WorkerSlotHost(slotIndex, tdd.jobId, config, this.hub, tdd.artifact.args, undefined, managed);
  }

  /** Submits a job; in inline mode, `program` supplies its operators. */
  async submitJob(jobGraph: JobGraphSpec, artifact: JobArtifact, program?: JobProgram): Promise<void> {
    if (program) this.programs.set(jobGraph.jobId, program);
    await this.dispatcher.submitJob(jobGraph, artifact);
  }

  requestJobResult(jobId: string): Promise<JobExecutionResultSpec> {
    return this.dispatcher.requestJobResult(jobId);
  }

  async executeJob(jobGraph: JobGraphSpec, artifact: JobArtifact, program?: JobProgram): Promise<JobExecutionResultSpec> {
    await this.submitJob(jobGraph, artifact, program);
    const result = await this.requestJobResult(jobGraph.jobId);
    this.programs.delete(jobGraph.jobId);
    return result;
  }

  /** Partitions registered and partition requests waiting, in this process's shuffle (tests check that ended jobs left none). */
  /** Blocking partitions count until the JobMaster released them. */
  shuffleState(): { partitions: number; waiting: number } {
    const inline = this.inlinePartitions.size();
    const hub = this.hub.size();
    const partitions = inline.partitions + this.inlinePartitions.blockingPartitions().length + hub.partitions;
    return { partitions, waiting: inline.waiting + hub.waiting };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dispatcher.close();
    await Promise.all(this.taskExecutors.map((te) => te.close()));
    this.inlinePartitions.close();
    this.hub.close();
    await this.resourceManager.close();
  }
}
