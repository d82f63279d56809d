import type { StreamPlan } from '@spindle/protocol';
import { shipStrategy } from './job-graph-generator.js';
import type { StreamGraph } from './stream-graph.js';

const PACT = { source: 'Data Source', operator: 'Operator', sink: 'Data Sink' } as const;

/** Flink's execution plan JSON of a StreamGraph (`getExecutionPlan`, `spindle info`). */
export function executionPlan(graph: StreamGraph): StreamPlan {
  return {
    nodes: graph.nodes.map((n) => {
      const type = n.role === 'source' ? `Source: ${n.name}` : n.role === 'sink' ? `Sink: ${n.name}` : n.name;
      return {
        id: n.id,
        type,
        pact: PACT[n.role],
        operator: type,
        contents: type,
        parallelism: n.parallelism,
        predecessors: n.inEdges.map((e) => ({ id: e.source.id, ship_strategy: shipStrategy(e), side: 'second' as const })),
      };
    }),
  };
}
