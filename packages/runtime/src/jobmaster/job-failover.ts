import { serializeError, type Cancellable, type Logger, type Scheduler } from '@spindle/core';
import type { JobGraphSpec, SerializedFailure, TaskRestoreSpec } from '@spindle/protocol';
import type { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { readMetadata, readStateHandle } from '../checkpoint/checkpoint-storage.js';
import { assignState } from '../checkpoint/state-assignment.js';
import type { Execution, ExecutionGraph } from '../executiongraph/execution-graph.js';
import type { RestartStrategy } from '../executiongraph/restart-strategies.js';
import type { PartitionTracker } from './partition-tracker.js';

/** A plan of restored state per subtask (`restoreKey`), or undefined for a start without state. */
export type RestorePlan = Map<string, TaskRestoreSpec> | undefined;

/** What failover needs of its JobMaster; called on the JobMaster's event loop. */
export interface FailoverHost {
  readonly jobGraph: JobGraphSpec;
  readonly graph: ExecutionGraph;
  readonly checkpoints: CheckpointCoordinator | undefined;
  readonly log: Logger;
  /** The clock of restore timestamps and the timers of restart delays. */
  readonly clock: Scheduler;
  taskName(e: Execution): string;
  recordException(failure: SerializedFailure, e: Execution | null): void;
  /** Fails the job for good. */
  failJob(failure: SerializedFailure, e: Execution | null): void;
  /** The state the job started from (a savepoint), restored while no checkpoint has completed. */
  initialPlan(): RestorePlan;
  cancelExecutions(executions: Iterable<Execution>): void;
  /** Restart-all: the job goes from RESTARTING to RUNNING with a new attempt of every subtask, deployed with `plan`. */
  redeployAll(plan: RestorePlan): void;
  /** Schedules these new attempts (of restarted regions) with `plan`, as the scheduling strategy says. */
  redeploy(executions: Execution[], plan: RestorePlan): void;
  /** Whether the job is scheduled lazily, region by region, over BLOCKING partitions (BATCH). */
  readonly lazy: boolean;
  readonly partitions: PartitionTracker;
}

/** Partitioners whose output differs from one run to the next: a rerun producer invalidates what its consumers read. */
const NON_DETERMINISTIC = new Set(['rebalance', 'shuffle']);

/**
 * Failover of one job (Flink's DefaultScheduler failover with its FailoverStrategy and
 * RestartBackoffTimeStrategy). A task failure (or a job-level one, such as too many failed
 * checkpoints) restarts if it is recoverable and the restart strategy allows: with `full`, the job
 * goes RESTARTING, every task is cancelled, and once all are terminal and the strategy's delay
 * passed, every subtask is redeployed; with `region`, only the failed task's pipelined region is
 * cancelled and redeployed while the job stays RUNNING. Either way the new attempts restore the
 * latest completed checkpoint, whose metadata is read and checked again.
 *
 * A job scheduled lazily (BATCH) fails over by subtask-level regions, several at a time: the
 * failed task's region restarts, and with it every region whose BLOCKING partitions it needs and
 * that are gone (lost with their TaskManager, released, or unreadable), transitively, plus the
 * scheduled consumers of regions that rerun (they read the old partitions), and their finished
 * consumers too when the partitioning is not deterministic (rebalance, shuffle). Regions whose
 * partitions still exist are not rerun.
 */
export class JobFailover {
  numRestarts = 0;
  private restartTimer: Cancellable | undefined;
  /** The vertices of the region being restarted while the rest of the job runs on. */
  private region: { vertices: ReadonlySet<string>; timer?: Cancellable } | undefined;
  /** Batch failovers under way: the execution vertices each restarts. */
  private batchRestarts: Array<{ keys: Set<string>; timer?: Cancellable }> = [];

  constructor(
    private readonly host: FailoverHost,
    readonly restartStrategy: RestartStrategy,
    private readonly strategy: 'full' | 'region',
  ) {}

  /** Whether `e` is being cancelled by a restart (its failure then belongs to that restart). */
  isRestarting(e: Execution): boolean {
    return (
      this.host.graph.status === 'RESTARTING' ||
      this.region?.vertices.has(e.vertex.id) === true ||
      this.batchRestarts.some((r) => r.keys.has(e.key))
    );
  }

  onFailure(failure: SerializedFailure, e: Execution | null): void {
    const host = this.host;
    const status = host.graph.status;
    // Further failures of a failover under way belong to it.
    if (status === 'RESTARTING' || (e !== null && this.isRestarting(e))) return host.recordException(failure, e);
    if (status !== 'RUNNING' || failure.recoverability === 'non-recoverable') return host.failJob(failure, e);
    this.restartStrategy.notifyFailure();
    if (!this.restartStrategy.canRestart()) return host.failJob(failure, e);
    host.recordException(failure, e);
    if (host.lazy && this.strategy === 'region' && e !== null) {
      if (failure.partitionId !== undefined) host.partitions.markLost(failure.partitionId);
      return this.restartBatchRegions(new Set(host.graph.regionOf(e.key).members), failure);
    }
    const region = this.regionToRestart(failure, e);
    if (region) return this.restartRegion(region, failure);
    this.stop();
    host.log.info('job restarts', { cause: failure.message, task: e ? host.taskName(e) : undefined, restarts: this.numRestarts });
    host.graph.transitionTo('RESTARTING');
    host.checkpoints?.stopScheduler('the job restarts');
    host.cancelExecutions(host.graph.executions);
  }

  /**
   * Blocking partitions were lost (their TaskManager is gone): the finished producers whose lost
   * partitions some consumer still needs rerun now, unless a failover restarts them already.
   */
  onPartitionsLost(cause: SerializedFailure): void {
    const host = this.host;
    if (!host.lazy || this.strategy !== 'region' || host.graph.status !== 'RUNNING') return;
    const seeds = new Set<string>();
    for (const e of host.graph.executions) {
      if (e.state !== 'FINISHED' || this.isRestarting(e) || host.partitions.isAvailable(e)) continue;
      const needed = host.graph.blockingConsumers(e).some((p) => p.consumers.some((k) => host.graph.current(k).state !== 'FINISHED'));
      if (needed) for (const k of host.graph.regionOf(e.key).members) seeds.add(k);
    }
    if (seeds.size === 0) return;
    this.restartStrategy.notifyFailure();
    if (!this.restartStrategy.canRestart()) return host.failJob(cause, null);
    this.restartBatchRegions(seeds, cause);
  }

  /** Some task reached a terminal state: a restart waiting for its tasks to stop may go on. */
  onExecutionTerminal(): void {
    const graph = this.host.graph;
    for (const r of this.batchRestarts) {
      if (r.timer !== undefined || [...r.keys].some((k) => !graph.current(k).isTerminal)) continue;
      r.timer = this.host.clock.schedule(() => void this.redeployBatch(r), this.restartStrategy.backoffTimeMs());
    }
    if (graph.status === 'RESTARTING' && graph.allTerminal() && this.restartTimer === undefined) {
      this.restartTimer = this.host.clock.schedule(() => void this.restartAll(), this.restartStrategy.backoffTimeMs());
    }
    const r = this.region;
    if (r === undefined || r.timer !== undefined) return;
    if (graph.executions.some((x) => r.vertices.has(x.vertex.id) && !x.isTerminal)) return;
    r.timer = this.host.clock.schedule(() => void this.redeployRegion(r), this.restartStrategy.backoffTimeMs());
  }

  /** No restart is pending any more (the job fails, is cancelled, or restarts whole). */
  stop(): void {
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.region?.timer?.cancel();
    this.region = undefined;
    for (const r of this.batchRestarts) r.timer?.cancel();
    this.batchRestarts = [];
  }

  /** Restarts `seeds` with the regions they need or invalidate (see the class comment), minus what restarts already. */
  private restartBatchRegions(seeds: Set<string>, failure: SerializedFailure): void {
    const host = this.host;
    const keys = this.batchClosure(seeds);
    for (const r of this.batchRestarts) for (const k of r.keys) keys.delete(k);
    if (keys.size === 0) return;
    host.log.info('regions restart', { cause: failure.message, tasks: keys.size, restarts: this.numRestarts });
    const restart = { keys };
    this.batchRestarts.push(restart);
    host.cancelExecutions([...keys].map((k) => host.graph.current(k)));
    this.onExecutionTerminal();
  }

  private batchClosure(seeds: Set<string>): Set<string> {
    const graph = this.host.graph;
    const keys = new Set<string>();
    const pending = [...seeds];
    const add = (k: string): void => {
      for (const m of graph.regionOf(k).members) if (!keys.has(m)) pending.push(m);
    };
    while (pending.length > 0) {
      const k = pending.pop()!;
      if (keys.has(k)) continue;
      keys.add(k);
      for (const p of graph.regionOf(k).blockingProducers) {
        const producer = graph.current(p);
        if (producer.state === 'FINISHED' && !this.isRestarting(producer) && !this.host.partitions.isAvailable(producer)) add(p);
      }
      this.addInvalidatedConsumers(graph.current(k), add);
    }
    return keys;
  }

  /** Consumers of a rerun producer that read its old partitions: scheduled ones, and finished ones of non-deterministic exchanges. */
  private addInvalidatedConsumers(producer: Execution, add: (k: string) => void): void {
    const graph = this.host.graph;
    for (const edge of producer.vertex.outputs) {
      if (edge.resultType !== 'BLOCKING') continue;
      const consumers =
        edge.partitioner === 'forward'
          ? [graph.current(`${edge.targetVertexId}#${producer.subtaskIndex}`)]
          : graph.executionsOf(edge.targetVertexId);
      for (const c of consumers) {
        const stale = c.state === 'FINISHED' ? NON_DETERMINISTIC.has(edge.partitioner) : c.state !== 'CREATED';
        if (stale) add(c.key);
      }
    }
  }

  private async redeployBatch(r: { keys: Set<string> }): Promise<void> {
    const plan = await this.restorePlan();
    if (plan === null || !this.batchRestarts.includes(r) || this.host.graph.status !== 'RUNNING') return;
    this.batchRestarts = this.batchRestarts.filter((x) => x !== r);
    this.numRestarts++;
    this.host.log.info('regions redeployed', { tasks: r.keys.size, restarts: this.numRestarts });
    this.host.redeploy(this.host.graph.restartExecutions(r.keys), plan);
  }

  /**
   * With region failover, the pipelined region of the failed task, unless that is the whole job.
   * A lost TaskManager, a failure outside any task, or a second region failing while one restarts
   * restart the whole job.
   */
  private regionToRestart(failure: SerializedFailure, e: Execution | null): ReadonlySet<string> | undefined {
    if (this.strategy !== 'region' || e === null || this.region || failure.code === 'TASK_MANAGER_LOST') return undefined;
    const region = this.host.graph.pipelinedRegions().find((r) => r.has(e.vertex.id))!;
    return region.size < this.host.jobGraph.vertices.length ? region : undefined;
  }

  private restartRegion(vertices: ReadonlySet<string>, failure: SerializedFailure): void {
    const host = this.host;
    host.log.info('region restarts', { cause: failure.message, vertices: [...vertices], restarts: this.numRestarts });
    this.region = { vertices };
    host.checkpoints?.stopScheduler('a region restarts');
    host.cancelExecutions(host.graph.executions.filter((x) => vertices.has(x.vertex.id)));
    this.onExecutionTerminal();
  }

  private async redeployRegion(r: NonNullable<JobFailover['region']>): Promise<void> {
    const plan = await this.restorePlan();
    if (plan === null || this.region !== r || this.host.graph.status !== 'RUNNING') return;
    this.region = undefined;
    this.numRestarts++;
    this.host.redeploy(this.host.graph.restartVertices(r.vertices), plan);
    this.host.checkpoints?.startScheduler();
  }

  private async restartAll(): Promise<void> {
    const plan = await this.restorePlan();
    this.restartTimer = undefined;
    if (plan === null || this.host.graph.status !== 'RESTARTING') return;
    this.numRestarts++;
    this.host.redeployAll(plan);
  }

  /** The latest completed checkpoint assigned to the subtasks; null when it cannot be restored (the job then failed). */
  private async restorePlan(): Promise<RestorePlan | null> {
    const host = this.host;
    try {
      const latest = await host.checkpoints?.latestCompleted();
      if (latest === undefined) return host.initialPlan();
      const metadata = await readMetadata(latest.metadataPath);
      const plan = await assignState(metadata, host.jobGraph, readStateHandle);
      host.checkpoints!.stats.reportRestored(latest.id, latest.location, host.clock.now());
      host.log.info('restoring the latest completed checkpoint', { checkpointId: latest.id, location: latest.location });
      return plan;
    } catch (error) {
      this.stop();
      host.failJob(serializeError(error), null);
      return null;
    }
  }
}
