import { createHash } from 'node:crypto';
import type { ChainedOperatorSpec, JobEdgeSpec, JobGraphSpec, JobVertexSpec, RuntimeMode } from '@spindle/protocol';
import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.js';

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

const SHIP: Record<string, string> = {
  forward: 'FORWARD',
  rebalance: 'REBALANCE',
  hash: 'HASH',
  broadcast: 'BROADCAST',
  global: 'GLOBAL',
  shuffle: 'SHUFFLE',
};

export function shipStrategy(edge: StreamEdge): string {
  return SHIP[edge.partitioner]!;
}

/**
 * Stable operator ids: the hash of the user's uid, or of the operator's kind, its position in
 * the program and its inputs' ids. The same program builds the same ids on every machine.
 */
export function operatorIds(graph: StreamGraph): Map<StreamNode, string> {
  const ids = new Map<StreamNode, string>();
  const idOf = (n: StreamNode): string => {
    const known = ids.get(n);
    if (known) return known;
    // The second input of a two-input operator is part of its position: a.connect(b) is not b.connect(a).
    const inputs = n.inEdges
      .map(
        (e) =>
          `${idOf(e.source)}:${e.partitioner}${e.outputTag === undefined ? '' : `:${e.outputTag}`}${e.inputIndex > 0 ? `@${e.inputIndex}` : ''}`,
      )
      .join(',');
    const id = n.uid !== undefined ? hash(`uid:${n.uid}`) : hash(`${n.kind}|${n.id}|${inputs}`);
    ids.set(n, id);
    return id;
  };
  for (const n of graph.nodes) idOf(n);
  return ids;
}

/** As in Flink, only one-input operators chain to their input: a two-input operator heads its vertex. */
function isChainable(edge: StreamEdge): boolean {
  const { source, target } = edge;
  return (
    target.numberOfInputs === 1 &&
    target.inEdges.length === 1 &&
    edge.partitioner === 'forward' &&
    source.parallelism === target.parallelism &&
    source.slotSharingGroup === target.slotSharingGroup &&
    source.chaining !== 'NEVER' &&
    target.chaining === 'ALWAYS'
  );
}

function displayName(n: StreamNode): string {
  if (n.role === 'source') return `Source: ${n.name}`;
  if (n.role === 'sink') return `Sink: ${n.name}`;
  return n.name;
}

/**
 * Turns the StreamGraph into a JobGraph: operators joined by chainable edges form one vertex;
 * every other edge becomes a job edge with its partitioner and, in BATCH, a BLOCKING result for
 * shuffles.
 */
export interface GeneratedJobGraph {
  jobGraph: JobGraphSpec;
  /** Key selectors of keyBy edges by data set id. */
  keySelectors: Map<string, (record: unknown) => unknown>;
}

export function generateJobGraph(
  graph: StreamGraph,
  opts: { jobId: string; name: string; runtimeMode: RuntimeMode; config: Record<string, string>; programJobIndex: number },
): GeneratedJobGraph {
  const keySelectors = new Map<string, (record: unknown) => unknown>();
  const ids = operatorIds(graph);
  const heads = graph.nodes.filter((n) => n.inEdges.length === 0 || !n.inEdges.every(isChainable) || n.inEdges.length !== 1);
  const vertexOf = new Map<StreamNode, JobVertexSpec>();
  const vertices: JobVertexSpec[] = [];
  for (const head of heads) {
    const chain = collectChain(head);
    const vertex: JobVertexSpec = {
      id: ids.get(head)!,
      name: chain.map(displayName).join(' -> '),
      parallelism: head.parallelism,
      maxParallelism: head.maxParallelism,
      slotSharingGroup: head.slotSharingGroup,
      operators: [],
      inputs: [],
      outputs: [],
      isSource: head.role === 'source',
    };
    for (const n of chain) vertexOf.set(n, vertex);
    vertices.push(vertex);
  }
  for (const vertex of vertices) {
    const chain = [...vertexOf.entries()].filter(([, v]) => v === vertex).map(([n]) => n);
    vertex.operators = chain.map((n) => operatorSpec(n, ids, vertex, vertexOf, opts.runtimeMode, keySelectors));
  }
  for (const vertex of vertices) {
    vertex.inputs = vertices.flatMap((v) => v.outputs.filter((o) => o.targetVertexId === vertex.id));
  }
  const ordered = topological(vertices);
  return { jobGraph: { ...opts, vertices: ordered, graphHash: graphHash(ordered) }, keySelectors };
}

function collectChain(head: StreamNode): StreamNode[] {
  const out: StreamNode[] = [];
  const visit = (n: StreamNode) => {
    out.push(n);
    for (const e of n.outEdges) if (isChainable(e)) visit(e.target);
  };
  visit(head);
  return out;
}

function operatorSpec(
  n: StreamNode,
  ids: Map<StreamNode, string>,
  vertex: JobVertexSpec,
  vertexOf: Map<StreamNode, JobVertexSpec>,
  mode: RuntimeMode,
  keySelectors: Map<string, (record: unknown) => unknown>,
): ChainedOperatorSpec {
  const spec: ChainedOperatorSpec = {
    id: ids.get(n)!,
    streamNodeId: n.id,
    name: displayName(n),
    kind: n.kind,
    chainedOutputs: [],
    networkOutputs: [],
  };
  if (n.uid !== undefined) spec.uid = n.uid;
  if (mode === 'BATCH' && n.managedMemoryWeight !== undefined) spec.managedMemoryWeight = n.managedMemoryWeight;
  for (const e of n.outEdges) {
    const outputs = e.outputTag === undefined ? spec : sideOutputOf(spec, e.outputTag);
    if (isChainable(e)) {
      outputs.chainedOutputs.push(ids.get(e.target)!);
      continue;
    }
    const target = vertexOf.get(e.target)!;
    const edge: JobEdgeSpec = {
      dataSetId: hash(`${spec.id}->${ids.get(e.target)!}#${vertex.outputs.length}`),
      sourceVertexId: vertex.id,
      targetVertexId: target.id,
      partitioner: e.partitioner,
      resultType: mode === 'BATCH' && e.partitioner !== 'forward' ? 'BLOCKING' : 'PIPELINED_BOUNDED',
      serializer: e.source.serializer,
      inputIndex: e.inputIndex,
      shipStrategy: shipStrategy(e),
    };
    if (e.keySelector) keySelectors.set(edge.dataSetId, e.keySelector);
    outputs.networkOutputs.push(vertex.outputs.length);
    vertex.outputs.push(edge);
  }
  return spec;
}

/** The consumers of one side output of an operator, added on first use. */
function sideOutputOf(spec: ChainedOperatorSpec, tag: string): { chainedOutputs: string[]; networkOutputs: number[] } {
  spec.sideOutputs ??= [];
  let side = spec.sideOutputs.find((s) => s.tag === tag);
  if (side === undefined) {
    side = { tag, chainedOutputs: [], networkOutputs: [] };
    spec.sideOutputs.push(side);
  }
  return side;
}

function topological(vertices: JobVertexSpec[]): JobVertexSpec[] {
  const done = new Set<string>();
  const out: JobVertexSpec[] = [];
  const visit = (v: JobVertexSpec) => {
    if (done.has(v.id)) return;
    done.add(v.id);
    for (const input of v.inputs) visit(vertices.find((x) => x.id === input.sourceVertexId)!);
    out.push(v);
  };
  for (const v of vertices) visit(v);
  return out;
}

function graphHash(vertices: JobVertexSpec[]): string {
  return hash(
    JSON.stringify(
      vertices.map((v) => [
        v.id,
        v.parallelism,
        v.operators.map((o) => o.id),
        v.outputs.map((o) => [o.dataSetId, o.partitioner, o.targetVertexId, o.inputIndex]),
      ]),
    ),
  );
}
