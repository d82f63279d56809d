import { SpindleError, computeDefaultMaxParallelism } from '@spindle/core';
import type { PartitionerKind, SerializerSpec } from '@spindle/protocol';
import type { SourceOperator, StreamOperator } from '@spindle/runtime/task';
import type { RuntimeMode } from '@spindle/protocol';
import type { ChainingStrategy, OperatorTransformation, Transformation } from '../transformation.js';

export interface StreamEdge {
  source: StreamNode;
  target: StreamNode;
  partitioner: PartitionerKind;
  keySelector?: (record: unknown) => unknown;
  /** The side output (OutputTag id) the edge reads; undefined for the main output. */
  outputTag?: string;
  inputIndex: number;
  serializer: SerializerSpec;
}

export interface StreamNode {
  id: number;
  name: string;
  kind: string;
  role: 'source' | 'operator' | 'sink';
  parallelism: number;
  maxParallelism: number;
  uid: string | undefined;
  slotSharingGroup: string;
  chaining: ChainingStrategy;
  createOperator: () => StreamOperator | SourceOperator;
  bounded: boolean;
  serializer: SerializerSpec;
  /** The operator's share of managed memory (BATCH), see OperatorTransformation. */
  managedMemoryWeight?: number;
  /** Logical inputs of the operator (0 for a source, 2 for connected streams). */
  numberOfInputs: number;
  inEdges: StreamEdge[];
  outEdges: StreamEdge[];
}

type Partition = { kind: PartitionerKind; key?: (r: unknown) => unknown };
type Upstream = { node: StreamNode; partition: Partition | undefined; tag?: string };

export interface StreamGraphSettings {
  defaultParallelism: number;
  maxParallelism: number;
  runtimeMode: RuntimeMode;
}

/** Whether every source of the transformations ends by itself. */
export function allSourcesBounded(transformations: readonly Transformation[]): boolean {
  return transformations.every((t) => t.type !== 'operator' || t.role !== 'source' || t.bounded);
}

/** The names of the sources that never end by themselves, for messages. */
export function unboundedSourceNames(transformations: readonly Transformation[]): string {
  return transformations
    .filter((t) => t.type === 'operator' && t.role === 'source' && !t.bounded)
    .map((t) => t.name)
    .join(', ');
}

/** The physical operators and the edges between them, with virtual transformations resolved. */
export class StreamGraph {
  readonly nodes: StreamNode[] = [];
  private readonly byId = new Map<number, StreamNode>();

  constructor(
    transformations: readonly Transformation[],
    private readonly settings: StreamGraphSettings,
  ) {
    for (const t of transformations) if (t.type === 'operator') this.node(t);
  }

  private node(t: OperatorTransformation): StreamNode {
    const existing = this.byId.get(t.id);
    if (existing) return existing;
    const perInput = t.inputs.map((input) => this.resolve(input, undefined));
    const upstream = perInput.length === 1 ? this.combine(t, perInput[0]!) : perInput.flat();
    const parallelism = this.parallelismOf(t);
    const node: StreamNode = {
      id: t.id,
      name: t.name,
      kind: t.kind,
      role: t.role,
      parallelism,
      maxParallelism:
        t.maxParallelism ?? (this.settings.maxParallelism > 0 ? this.settings.maxParallelism : computeDefaultMaxParallelism(parallelism)),
      uid: t.uid,
      slotSharingGroup: t.slotSharingGroup ?? inheritGroup(upstream.map((u) => u.node)),
      chaining: t.chaining,
      createOperator: t.createOperator,
      bounded: t.bounded,
      serializer: t.schema === undefined ? { kind: 'generic' } : { kind: 'avro', schema: t.schema },
      numberOfInputs: t.inputs.length,
      inEdges: [],
      outEdges: [],
      ...(t.managedMemoryWeight !== undefined ? { managedMemoryWeight: t.managedMemoryWeight } : {}),
    };
    this.byId.set(t.id, node);
    this.nodes.push(node);
    if (perInput.length === 1) for (const u of upstream) this.connect(u.node, node, u.partition, 0, u.tag);
    else perInput.forEach((edges, inputIndex) => edges.forEach((u) => this.connect(u.node, node, u.partition, inputIndex, u.tag)));
    return node;
  }

  /**
   * In BATCH mode a built-in keyed aggregation gets a combiner chained to its single upstream
   * operator, so that the shuffle carries partial aggregates instead of every record.
   */
  private combine(t: OperatorTransformation, upstream: Upstream[]): Upstream[] {
    const only = upstream[0];
    if (this.settings.runtimeMode !== 'BATCH' || !t.combiner || upstream.length !== 1 || only?.partition?.kind !== 'hash') return upstream;
    const source = only.node;
    const node: StreamNode = {
      ...source,
      id: t.combiner.id,
      name: `Combine (${t.name})`,
      kind: `combine:${t.kind}`,
      role: 'operator',
      uid: undefined,
      chaining: 'ALWAYS',
      createOperator: t.combiner.createOperator,
      managedMemoryWeight: undefined,
      numberOfInputs: 1,
      inEdges: [],
      outEdges: [],
    };
    this.nodes.push(node);
    this.connect(source, node, undefined, 0, only.tag);
    return [{ node, partition: only.partition }];
  }

  private parallelismOf(t: OperatorTransformation): number {
    const p = t.parallelism ?? Math.min(this.settings.defaultParallelism, t.maxSourceParallelism ?? Infinity);
    if (t.maxSourceParallelism !== undefined && p > t.maxSourceParallelism) {
      throw new SpindleError(`${t.name} is not a parallel source: its parallelism must be 1, not ${p}`, {
        code: 'INVALID_GRAPH',
        userFacing: true,
      });
    }
    return p;
  }

  /** The physical upstream nodes of an input, with the partitioning the edge gets. */
  private resolve(t: Transformation, partition: Partition | undefined, tag?: string): Upstream[] {
    switch (t.type) {
      case 'operator':
        return [tag === undefined ? { node: this.node(t), partition } : { node: this.node(t), partition, tag }];
      case 'partition':
        return this.resolve(t.input, { kind: t.partitioner, key: t.keySelector }, tag);
      case 'union':
        return t.inputs.flatMap((i) => this.resolve(i, partition, tag));
      case 'side-output':
        return this.resolve(t.input, partition, t.tag);
    }
  }

  private connect(source: StreamNode, target: StreamNode, partition: Partition | undefined, inputIndex: number, tag?: string): void {
    const kind = partition?.kind ?? (source.parallelism === target.parallelism ? 'forward' : 'rebalance');
    if (kind === 'forward' && source.parallelism !== target.parallelism) {
      throw new SpindleError(
        `Forward partitioning does not allow a change of parallelism: ${source.name} has ${source.parallelism} and ${target.name} has ${target.parallelism}. Use rebalance() or equal parallelism.`,
        { code: 'INVALID_GRAPH', userFacing: true },
      );
    }
    const edge: StreamEdge = { source, target, partitioner: kind, inputIndex, serializer: source.serializer };
    if (partition?.key) edge.keySelector = partition.key;
    if (tag !== undefined) edge.outputTag = tag;
    source.outEdges.push(edge);
    target.inEdges.push(edge);
  }
}

function inheritGroup(upstream: StreamNode[]): string {
  const groups = new Set(upstream.map((n) => n.slotSharingGroup));
  return groups.size === 1 ? [...groups][0]! : 'default';
}
