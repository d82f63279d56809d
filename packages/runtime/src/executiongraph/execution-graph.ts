import { randomHexId } from '@spindle/core';
import { dfsPartitionDirectory, isDfsStorage } from '../network/dfs-blocking-partition.js';
import {
  isTerminalExecutionState,
  resultPartitionId,
  type ExecutionState,
  type InputGateSpec,
  type JobGraphSpec,
  type JobStatus,
  type JobVertexSpec,
  type ResultPartitionSpec,
  type TaskIOMetrics,
} from '@spindle/protocol';
import { checkExecutionTransition, checkJobTransition } from './state-machines.js';

export interface SlotAssignment {
  resourceId: string;
  taskExecutorAddress: string;
  allocationId: string;
  slotIndex: number;
  /** host:port of the TaskManager's data plane. */
  dataAddress?: string;
}

/** An execution vertex (one subtask of one job vertex), whatever its attempt: `<vertexId>#<subtask>`. */
export function executionKey(vertexId: string, subtask: number): string {
  return `${vertexId}#${subtask}`;
}

/**
 * A pipelined region at subtask level (Flink's SchedulingPipelinedRegion): execution vertices
 * joined by PIPELINED exchanges, which run and restart together. BLOCKING exchanges separate
 * regions: a region reads those only once every producer subtask of them has finished.
 */
export interface ExecutionRegion {
  readonly id: number;
  /** Execution keys of the members. */
  readonly members: readonly string[];
  /** Execution keys of producers outside the region whose BLOCKING partitions the region reads. */
  readonly blockingProducers: readonly string[];
}

/**
 * Merges regions that depend on each other through BLOCKING partitions (a vertex whose output
 * goes both pipelined and blocking to the same consumer vertex), as Flink does: none of them
 * could be scheduled first. Strongly connected components of the region dependency graph (Tarjan).
 */
function mergeCycles(groups: string[][], producersOf: (key: string) => string[]): string[][] {
  const regionOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((k) => regionOf.set(k, i)));
  const deps = groups.map((g, i) => [...new Set(g.flatMap((k) => producersOf(k).map((p) => regionOf.get(p)!)))].filter((d) => d !== i));
  const index = new Array<number>(groups.length).fill(-1);
  const low = new Array<number>(groups.length).fill(0);
  const onStack = new Array<boolean>(groups.length).fill(false);
  const stack: number[] = [];
  const merged: string[][] = [];
  let next = 0;
  const visit = (v: number): void => {
    index[v] = low[v] = next++;
    stack.push(v);
    onStack[v] = true;
    for (const w of deps[v]!) {
      if (index[w] === -1) {
        visit(w);
        low[v] = Math.min(low[v], low[w]!);
      } else if (onStack[w]) low[v] = Math.min(low[v], index[w]!);
    }
    if (low[v] !== index[v]) return;
    const component: string[] = [];
    for (let w = -1; w !== v;) {
      w = stack.pop()!;
      onStack[w] = false;
      component.push(...groups[w]!);
    }
    merged.push(component);
  };
  for (let v = 0; v < groups.length; v++) if (index[v] === -1) visit(v);
  return merged;
}

/** One attempt to run one subtask. */
export class Execution {
  readonly attemptId = randomHexId();
  state: ExecutionState = 'CREATED';
  slot: SlotAssignment | undefined;
  readonly timestamps: Partial<Record<ExecutionState, number>> = { CREATED: Date.now() };
  metrics: TaskIOMetrics | undefined;
  accumulators: Record<string, unknown> | undefined;

  constructor(
    readonly vertex: JobVertexSpec,
    readonly subtaskIndex: number,
    readonly attemptNumber: number,
  ) {}

  get key(): string {
    return executionKey(this.vertex.id, this.subtaskIndex);
  }

  transitionTo(to: ExecutionState): boolean {
    if (this.state === to) return false;
    checkExecutionTransition(this.state, to);
    this.state = to;
    this.timestamps[to] = Date.now();
    return true;
  }

  get isTerminal(): boolean {
    return isTerminalExecutionState(this.state);
  }
}

/**
 * The parallel form of a JobGraph: an Execution per subtask, the job status machine, and the
 * input and output descriptors each execution needs to deploy.
 */
export class ExecutionGraph {
  status: JobStatus = 'CREATED';
  readonly timestamps: Partial<Record<JobStatus, number>> = {};
  readonly executions: Execution[] = [];
  private readonly byAttempt = new Map<string, Execution>();
  private readonly byVertex = new Map<string, Execution[]>();

  constructor(
    readonly jobGraph: JobGraphSpec,
    /** `shuffle.blocking.storage`: `local`, or the distributed file system directory of BLOCKING partitions. */
    readonly blockingStorage = 'local',
  ) {
    this.timestamps.INITIALIZING = Date.now();
    this.timestamps.CREATED = Date.now();
    for (const v of jobGraph.vertices) {
      const list = Array.from({ length: v.parallelism }, (_, i) => new Execution(v, i, 0));
      this.byVertex.set(v.id, list);
      for (const e of list) {
        this.executions.push(e);
        this.byAttempt.set(e.attemptId, e);
      }
    }
  }

  transitionTo(to: JobStatus): boolean {
    if (this.status === to) return false;
    checkJobTransition(this.status, to);
    this.status = to;
    this.timestamps[to] = Date.now();
    return true;
  }

  execution(attemptId: string): Execution | undefined {
    return this.byAttempt.get(attemptId);
  }

  executionsOf(vertexId: string): Execution[] {
    return this.byVertex.get(vertexId) ?? [];
  }

  /**
   * Replaces the executions of the given vertices (all by default: restart-all) by new attempts
   * of their subtasks, which start CREATED; returns the new ones.
   */
  restartVertices(vertexIds: ReadonlySet<string> = new Set(this.byVertex.keys())): Execution[] {
    const fresh: Execution[] = [];
    this.executions.forEach((e, i) => {
      if (!vertexIds.has(e.vertex.id)) return;
      const next = new Execution(e.vertex, e.subtaskIndex, e.attemptNumber + 1);
      this.executions[i] = next;
      this.byAttempt.delete(e.attemptId);
      this.byAttempt.set(next.attemptId, next);
      this.byVertex.get(e.vertex.id)![e.subtaskIndex] = next;
      fresh.push(next);
    });
    return fresh;
  }

  /** The current attempt of an execution vertex. */
  current(key: string): Execution {
    const i = key.lastIndexOf('#');
    return this.executionsOf(key.slice(0, i))[Number(key.slice(i + 1))]!;
  }

  /** Replaces the executions of the given execution vertices by new attempts, which start CREATED; returns the new ones. */
  restartExecutions(keys: ReadonlySet<string>): Execution[] {
    const fresh: Execution[] = [];
    this.executions.forEach((e, i) => {
      if (!keys.has(e.key)) return;
      const next = new Execution(e.vertex, e.subtaskIndex, e.attemptNumber + 1);
      this.executions[i] = next;
      this.byAttempt.delete(e.attemptId);
      this.byAttempt.set(next.attemptId, next);
      this.byVertex.get(e.vertex.id)![e.subtaskIndex] = next;
      fresh.push(next);
    });
    return fresh;
  }

  private regions: ExecutionRegion[] | undefined;
  private regionByKey: Map<string, ExecutionRegion> | undefined;

  /**
   * The subtask-level pipelined regions: connected components of the execution vertices over
   * PIPELINED exchanges (pointwise for forward, all-to-all otherwise). A job without BLOCKING
   * exchanges whose vertices are connected is one region.
   */
  executionRegions(): readonly ExecutionRegion[] {
    if (this.regions) return this.regions;
    const parent = new Map<string, string>();
    const find = (k: string): string => {
      let root = k;
      while (parent.get(root) !== root) root = parent.get(root)!;
      parent.set(k, root);
      return root;
    };
    const union = (a: string, b: string): void => void parent.set(find(a), find(b));
    for (const v of this.jobGraph.vertices)
      for (let i = 0; i < v.parallelism; i++) parent.set(executionKey(v.id, i), executionKey(v.id, i));
    for (const v of this.jobGraph.vertices) {
      for (const edge of v.inputs) {
        if (edge.resultType === 'BLOCKING') continue;
        for (let i = 0; i < v.parallelism; i++) {
          if (edge.partitioner === 'forward') union(executionKey(v.id, i), executionKey(edge.sourceVertexId, i));
          else
            for (let j = 0; j < this.vertexOf(edge.sourceVertexId).parallelism; j++)
              union(executionKey(v.id, i), executionKey(edge.sourceVertexId, j));
        }
      }
    }
    const groups = new Map<string, string[]>();
    for (const k of parent.keys()) {
      const root = find(k);
      groups.set(root, [...(groups.get(root) ?? []), k]);
    }
    this.regions = mergeCycles([...groups.values()], (k) => this.blockingProducerKeys(k)).map((members, id) => {
      const inside = new Set(members);
      const producers = new Set<string>();
      for (const k of members) for (const p of this.blockingProducerKeys(k)) if (!inside.has(p)) producers.add(p);
      return { id, members, blockingProducers: [...producers] };
    });
    this.regionByKey = new Map(this.regions.flatMap((r) => r.members.map((k) => [k, r] as const)));
    return this.regions;
  }

  regionOf(key: string): ExecutionRegion {
    this.executionRegions();
    return this.regionByKey!.get(key)!;
  }

  /** Execution keys of the producers whose BLOCKING partitions the execution vertex `key` reads. */
  private blockingProducerKeys(key: string): string[] {
    const e = this.current(key);
    return e.vertex.inputs.flatMap((edge) => {
      if (edge.resultType !== 'BLOCKING') return [];
      if (edge.partitioner === 'forward') return [executionKey(edge.sourceVertexId, e.subtaskIndex)];
      return Array.from({ length: this.vertexOf(edge.sourceVertexId).parallelism }, (_, j) => executionKey(edge.sourceVertexId, j));
    });
  }

  /** Execution keys of the consumers of the partitions `e` produces on BLOCKING edges, with each partition's id. */
  blockingConsumers(e: Execution): Array<{ partitionId: string; consumers: string[] }> {
    return e.vertex.outputs
      .filter((edge) => edge.resultType === 'BLOCKING')
      .map((edge) => {
        const target = this.vertexOf(edge.targetVertexId);
        const consumers =
          edge.partitioner === 'forward'
            ? [executionKey(target.id, e.subtaskIndex)]
            : Array.from({ length: target.parallelism }, (_, j) => executionKey(target.id, j));
        return { partitionId: resultPartitionId(edge.dataSetId, e.subtaskIndex, e.attemptId), consumers };
      });
  }

  /** The executions whose partitions `e` reads. */
  producersOf(e: Execution): Execution[] {
    return e.vertex.inputs.flatMap((edge) => {
      const producers = this.executionsOf(edge.sourceVertexId);
      return edge.partitioner === 'forward' ? [producers[e.subtaskIndex]!] : producers;
    });
  }

  /**
   * The pipelined regions (Flink's SchedulingPipelinedRegion): vertex ids joined by pipelined
   * exchanges, which run and restart together. Every exchange is pipelined at runtime for now
   * (BLOCKING partitions that outlive their producer come with batch execution), so a region is a
   * connected part of the job; a job whose vertices are all connected is one region.
   */
  pipelinedRegions(): Array<Set<string>> {
    const parent = new Map(this.jobGraph.vertices.map((v) => [v.id, v.id]));
    const find = (id: string): string => {
      let root = id;
      while (parent.get(root) !== root) root = parent.get(root)!;
      return root;
    };
    for (const v of this.jobGraph.vertices) {
      for (const edge of v.inputs) parent.set(find(v.id), find(edge.sourceVertexId));
    }
    const regions = new Map<string, Set<string>>();
    for (const v of this.jobGraph.vertices) {
      const root = find(v.id);
      regions.set(root, (regions.get(root) ?? new Set()).add(v.id));
    }
    return [...regions.values()];
  }

  allFinished(): boolean {
    return this.executions.every((e) => e.state === 'FINISHED');
  }

  allTerminal(): boolean {
    return this.executions.every((e) => e.isTerminal);
  }

  producedPartitions(e: Execution): ResultPartitionSpec[] {
    return e.vertex.outputs.map((edge) => ({
      dataSetId: edge.dataSetId,
      partitionId: resultPartitionId(edge.dataSetId, e.subtaskIndex, e.attemptId),
      numSubpartitions: edge.partitioner === 'forward' ? 1 : this.vertexOf(edge.targetVertexId).parallelism,
      partitioner: edge.partitioner,
      resultType: edge.resultType,
      serializer: edge.serializer,
    }));
  }

  inputGates(e: Execution): InputGateSpec[] {
    return e.vertex.inputs.map((edge) => {
      const producers = this.executionsOf(edge.sourceVertexId);
      const pointwise = edge.partitioner === 'forward';
      const read = pointwise ? [producers[e.subtaskIndex]!] : producers;
      return {
        dataSetId: edge.dataSetId,
        inputIndex: edge.inputIndex,
        consumedSubpartition: pointwise ? 0 : e.subtaskIndex,
        serializer: edge.serializer,
        channels: read.map((p) => {
          const partitionId = resultPartitionId(edge.dataSetId, p.subtaskIndex, p.attemptId);
          const onDfs = edge.resultType === 'BLOCKING' && isDfsStorage(this.blockingStorage);
          return {
            partitionId,
            producerSubtask: p.subtaskIndex,
            producerLocation: p.slot?.dataAddress ?? p.slot?.resourceId ?? '',
            ...(onDfs ? { dfsDirectory: dfsPartitionDirectory(this.blockingStorage, this.jobGraph.jobId, partitionId) } : {}),
          };
        }),
      };
    });
  }

  private vertexOf(id: string): JobVertexSpec {
    return this.jobGraph.vertices.find((v) => v.id === id)!;
  }
}
