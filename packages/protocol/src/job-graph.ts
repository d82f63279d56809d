/**
 * The JobGraph as it travels from the client to the JobManager, and (per vertex) to the
 * TaskManagers. Plain JSON: user functions are never serialized; every TaskManager rebuilds
 * them from the job bundle and finds them by operator id.
 */

/** How records of an edge are distributed over the consumer's subtasks. */
export type PartitionerKind = 'forward' | 'rebalance' | 'hash' | 'broadcast' | 'global' | 'shuffle';

/** PIPELINED results are consumed while produced; BLOCKING results are complete before consumption. */
export type ResultPartitionType = 'PIPELINED' | 'PIPELINED_BOUNDED' | 'BLOCKING';

export type RuntimeMode = 'STREAMING' | 'BATCH';

export type SerializerSpec = { kind: 'generic' } | { kind: 'avro'; schema: unknown };

/** One operator inside a vertex's chain. */
export interface ChainedOperatorSpec {
  /** Stable id: a hash of the user's uid(), or of the operator's position in the graph. */
  id: string;
  /** Id of the stream node in the StreamGraph (the integer ids of `spindle info`). */
  streamNodeId: number;
  name: string;
  /** What the operator does, e.g. 'map', 'source:text-file', 'keyed-reduce'. */
  kind: string;
  uid?: string;
  /** Ids of the chained operators this one feeds directly (objects are passed, not bytes). */
  chainedOutputs: string[];
  /** Indexes into the vertex's `outputs` that this operator writes (serialized). */
  networkOutputs: number[];
  /**
   * Side outputs (Flink's OutputTag) that are consumed, by tag id: the chained operators and the
   * network outputs (indexes into `outputs`) that read them. Records sent to a tag nobody reads are
   * dropped; watermarks go to side outputs as well.
   */
  sideOutputs?: Array<{ tag: string; chainedOutputs: string[]; networkOutputs: number[] }>;
  /**
   * Set on operators that sort, hash or join within managed memory (BATCH): the slot's managed
   * memory is divided among the operators of its slot sharing group by these weights.
   */
  managedMemoryWeight?: number;
}

export interface JobEdgeSpec {
  /** The intermediate data set this edge reads; equals the producer's output `dataSetId`. */
  dataSetId: string;
  sourceVertexId: string;
  targetVertexId: string;
  partitioner: PartitionerKind;
  resultType: ResultPartitionType;
  serializer: SerializerSpec;
  /** Which logical input of the target's head operator the edge feeds (0 for one-input). */
  inputIndex: number;
  /** Ship strategy as Flink names it in plans: FORWARD, HASH, REBALANCE, ... */
  shipStrategy: string;
}

export interface JobVertexSpec {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  slotSharingGroup: string;
  /** The chain, head operator first. */
  operators: ChainedOperatorSpec[];
  /** Input edges in input order. */
  inputs: JobEdgeSpec[];
  /** Output data sets, one per outgoing edge, in the order of `networkOutputs` indexes. */
  outputs: JobEdgeSpec[];
  isSource: boolean;
}

export interface JobGraphSpec {
  jobId: string;
  name: string;
  runtimeMode: RuntimeMode;
  /** Vertices in topological order. */
  vertices: JobVertexSpec[];
  /** Job-level configuration overrides (raw strings). */
  config: Record<string, string>;
  /** Hash over every operator id and edge: workers compare it with the graph they rebuild. */
  graphHash: string;
  /** Ordinal of the execute() call in the program that produced this graph (0 = first). */
  programJobIndex: number;
}

/** Flink's plan JSON (`spindle info`, `/jobs/:jobid/plan` uses the job-graph variant). */
export interface StreamPlanNode {
  id: number;
  type: string;
  pact: 'Data Source' | 'Operator' | 'Data Sink';
  operator: string;
  contents: string;
  parallelism: number;
  predecessors: Array<{ id: number; ship_strategy: string; side: 'first' | 'second' }>;
}

export interface StreamPlan {
  nodes: StreamPlanNode[];
}

/** The highest parallelism per slot sharing group, summed: the number of slots a job needs. */
export function requiredSlots(graph: JobGraphSpec): number {
  const perGroup = new Map<string, number>();
  for (const v of graph.vertices) {
    perGroup.set(v.slotSharingGroup, Math.max(perGroup.get(v.slotSharingGroup) ?? 0, v.parallelism));
  }
  let total = 0;
  for (const n of perGroup.values()) total += n;
  return total;
}
