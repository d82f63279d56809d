import { serializeError, type Cancellable, type Logger, type Scheduler } from '@spindle/core';
import type { JobGraphSpec, SerializedFailure, TaskRestoreSpec } from '@spindle/protocol';
import type { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import { readMetadata, readStateHandle } from '../checkpoint/checkpoint-storage.js';
import { assignState } from '../checkpoint/state-assignment.js';
import type { Execution, ExecutionGraph } from '../executiongraph/execution-graph.js';
import type { RestartStrategy } from '../executiongraph/restart-strategies.js';

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
  /** Deploys these new attempts (of one region) into their slots with `plan`. */
  redeploy(executions: Execution[], plan: RestorePlan): void;
}

/**
 * Failover of one job (Flink's DefaultScheduler failover with its FailoverStrategy and
 * RestartBackoffTimeStrategy). A task failure (or a job-level one, such as too many failed
 * checkpoints) restarts if it is recoverable and the restart strategy allows: with `full`, the job
 * goes RESTARTING, every task is cancelled, and once all are terminal and the strategy's delay
 * passed, every subtask is redeployed; with `region`, only the failed task's pipelined region is
 * cancelled and redeployed while the job stays RUNNING. Either way the new attempts restore the
 * latest completed checkpoint, whose metadata is read and checked again.
 */
export class JobFailover {
  numRestarts = 0;
  private restartTimer: Cancellable | undefined;
  /** The vertices of the region being restarted while the rest of the job runs on. */
  private region: { vertices: ReadonlySet<string>; timer?: Cancellable } | undefined;

  constructor(
    private readonly host: FailoverHost,
    readonly restartStrategy: RestartStrategy,
    private readonly strategy: 'full' | 'region',
  ) {}

  /** Whether `e` is being cancelled by a restart (its failure then belongs to that restart). */
  isRestarting(e: Execution): boolean {
    return this.host.graph.status === 'RESTARTING' || this.region?.vertices.has(e.vertex.id) === true;
  }

  onFailure(failure: SerializedFailure, e: Execution | null): void {
    const host = this.host;
    const status = host.graph.status;
    // Further failures of a failover under way belong to it.
    if (status === 'RESTARTING' || (e !== null && this.region?.vertices.has(e.vertex.id))) return host.recordException(failure, e);
    if (status !== 'RUNNING' || failure.recoverability === 'non-recoverable') return host.failJob(failure, e);
    this.restartStrategy.notifyFailure();
    if (!this.restartStrategy.canRestart()) return host.failJob(failure, e);
    host.recordException(failure, e);
    const region = this.regionToRestart(failure, e);
    if (region) return this.restartRegion(region, failure);
    this.stop();
    host.log.info('job restarts', { cause: failure.message, task: e ? host.taskName(e) : undefined, restarts: this.numRestarts });
    host.graph.transitionTo('RESTARTING');
    host.checkpoints?.stopScheduler('the job restarts');
    host.cancelExecutions(host.graph.executions);
  }

  /** Some task reached a terminal state: a restart waiting for its tasks to stop may go on. */
  onExecutionTerminal(): void {
    const graph = this.host.graph;
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
