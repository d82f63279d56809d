import type { JobVertexSpec } from '@spindle/protocol';
import type { JobProgram, StreamOperator } from '@spindle/runtime/task';
import { SpindleError } from '@spindle/core';
import { operatorIds } from './graph/job-graph-generator.js';
import type { StreamGraph, StreamNode } from './graph/stream-graph.js';

/** The program's operators and key selectors, found by the stable ids of the JobGraph. */
export class StreamGraphProgram implements JobProgram {
  private readonly nodes = new Map<string, StreamNode>();

  constructor(
    graph: StreamGraph,
    readonly graphHash: string,
    private readonly keySelectors: Map<string, (record: unknown) => unknown>,
  ) {
    for (const [node, id] of operatorIds(graph)) this.nodes.set(id, node);
  }

  createOperators(vertex: JobVertexSpec): StreamOperator[] {
    return vertex.operators.map((op) => {
      const node = this.nodes.get(op.id);
      if (!node) {
        throw new SpindleError(`operator ${op.name} (${op.id}) is not part of this program`, { code: 'GRAPH_MISMATCH', userFacing: true });
      }
      return node.createOperator();
    });
  }

  keySelector(dataSetId: string): ((record: unknown) => unknown) | undefined {
    return this.keySelectors.get(dataSetId);
  }
}
