import type { JobGraphSpec } from '@spindle/protocol';
import type { ExecutionGraph, ExecutionRegion } from '../executiongraph/execution-graph.js';

/**
 * Decides which execution vertices the JobMaster schedules when (Flink's SchedulingStrategy).
 * The JobMaster calls it on its event loop and schedules each returned group as a unit: it asks
 * for the group's slots and deploys the group once all of them arrived. Groups are lists of
 * execution keys (`<vertexId>#<subtask>`); the JobMaster resolves them to current attempts.
 */
export interface SchedulingStrategy {
  /** Lazy strategies release a region's slots when it finished and expect groups over the job's life. */
  readonly lazy: boolean;
  /** The groups to schedule when the job starts. */
  startScheduling(): string[][];
  /** An execution finished: the groups that may be scheduled now. */
  onExecutionFinished(key: string): string[][];
  /** Failover created new attempts of these execution vertices: the groups of them to schedule now (the rest later). */
  restart(keys: ReadonlySet<string>): string[][];
}

/** STREAMING: every task at once, since all of them must run together. */
export class EagerSchedulingStrategy implements SchedulingStrategy {
  readonly lazy = false;

  constructor(private readonly graph: ExecutionGraph) {}

  startScheduling(): string[][] {
    return [this.graph.executions.map((e) => e.key)];
  }

  onExecutionFinished(): string[][] {
    return [];
  }

  restart(keys: ReadonlySet<string>): string[][] {
    return [[...keys]];
  }
}

/**
 * BATCH (Flink's PipelinedRegionSchedulingStrategy, "lazy from sources"): a pipelined region is
 * scheduled once every producer of the BLOCKING partitions it reads has FINISHED; regions without
 * blocking inputs (the sources' regions) at start. A region restarted by failover is scheduled
 * again under the same rule.
 */
export class PipelinedRegionSchedulingStrategy implements SchedulingStrategy {
  readonly lazy = true;
  private readonly scheduled = new Set<number>();

  constructor(private readonly graph: ExecutionGraph) {}

  startScheduling(): string[][] {
    return this.ready();
  }

  onExecutionFinished(_key: string): string[][] {
    return this.ready();
  }

  restart(keys: ReadonlySet<string>): string[][] {
    for (const k of keys) this.scheduled.delete(this.graph.regionOf(k).id);
    return this.ready();
  }

  private ready(): string[][] {
    const out: string[][] = [];
    for (const region of this.graph.executionRegions()) {
      if (this.scheduled.has(region.id) || !this.inputsComplete(region)) continue;
      this.scheduled.add(region.id);
      out.push([...region.members]);
    }
    return out;
  }

  private inputsComplete(region: ExecutionRegion): boolean {
    return region.blockingProducers.every((k) => this.graph.current(k).state === 'FINISHED');
  }
}

/** Lazy region scheduling for jobs with BLOCKING exchanges (BATCH), eager scheduling otherwise. */
export function schedulingStrategyFor(jobGraph: JobGraphSpec, graph: ExecutionGraph): SchedulingStrategy {
  const blocking = jobGraph.vertices.some((v) => v.inputs.some((edge) => edge.resultType === 'BLOCKING'));
  return blocking ? new PipelinedRegionSchedulingStrategy(graph) : new EagerSchedulingStrategy(graph);
}
