import { expect } from 'chai';
import type { JobEdgeSpec, JobGraphSpec, JobVertexSpec, PartitionerKind } from '@spindle/protocol';
import { ExecutionGraph, executionKey } from '../src/executiongraph/execution-graph.js';
import { EagerSchedulingStrategy, PipelinedRegionSchedulingStrategy, schedulingStrategyFor } from '../src/scheduler/scheduling-strategy.js';

type EdgeDef = [from: string, to: string, partitioner: PartitionerKind, blocking: boolean];

/** A job graph of vertices `name:parallelism` joined by `edges`. */
function jobGraph(vertices: Record<string, number>, edges: EdgeDef[]): JobGraphSpec {
  const byId = new Map<string, JobVertexSpec>();
  for (const [id, parallelism] of Object.entries(vertices)) {
    byId.set(id, {
      id,
      name: id,
      parallelism,
      maxParallelism: 128,
      slotSharingGroup: 'default',
      operators: [],
      inputs: [],
      outputs: [],
      isSource: true,
    });
  }
  edges.forEach(([from, to, partitioner, blocking], i) => {
    const edge: JobEdgeSpec = {
      dataSetId: `ds${i}`,
      sourceVertexId: from,
      targetVertexId: to,
      partitioner,
      resultType: blocking ? 'BLOCKING' : 'PIPELINED_BOUNDED',
      serializer: { kind: 'generic' },
      inputIndex: 0,
      shipStrategy: partitioner,
    };
    byId.get(from)!.outputs.push(edge);
    byId.get(to)!.inputs.push(edge);
    byId.get(to)!.isSource = false;
  });
  return { jobId: 'j', name: 'j', runtimeMode: 'BATCH', vertices: [...byId.values()], config: {}, graphHash: '', programJobIndex: 0 };
}

const sorted = (groups: string[][]) => groups.map((g) => [...g].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
const keys = (v: string, n: number) => Array.from({ length: n }, (_, i) => executionKey(v, i));

describe('pipelined regions and lazy-from-sources scheduling', () => {
  it('makes every subtask its own region across blocking shuffles, joins forward pipelined subtasks, and schedules stage after stage', () => {
    const graph = new ExecutionGraph(
      jobGraph({ a: 4, b: 4, c: 4, d: 4 }, [
        ['a', 'b', 'forward', false],
        ['b', 'c', 'hash', true],
        ['c', 'd', 'hash', true],
      ]),
    );
    const regions = graph.executionRegions();
    expect(regions).to.have.length(12);
    expect([...graph.regionOf('a#2').members].sort()).to.deep.equal(['a#2', 'b#2']);
    expect([...graph.regionOf('c#1').blockingProducers].sort()).to.deep.equal(keys('b', 4));
    const strategy = new PipelinedRegionSchedulingStrategy(graph);
    expect(sorted(strategy.startScheduling())).to.deep.equal([0, 1, 2, 3].map((i) => [`a#${i}`, `b#${i}`]));
    const finish = (k: string) => {
      const e = graph.current(k);
      for (const s of ['SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED'] as const) e.transitionTo(s);
    };
    for (const k of [...keys('a', 4), 'b#0', 'b#1', 'b#2']) finish(k);
    expect(strategy.onExecutionFinished('b#2'), 'c waits for every b').to.deep.equal([]);
    finish('b#3');
    expect(sorted(strategy.onExecutionFinished('b#3'))).to.deep.equal(keys('c', 4).map((k) => [k]));
    expect(strategy.onExecutionFinished('b#3'), 'a region is scheduled once').to.deep.equal([]);
    // A restarted producer makes its consumers wait again.
    graph.restartExecutions(new Set(['b#0']));
    expect(sorted(strategy.restart(new Set(['a#0', 'b#0'])))).to.deep.equal([['a#0', 'b#0']]);
  });

  it('merges regions that depend on each other through blocking partitions (a vertex feeding one consumer both ways)', () => {
    const graph = new ExecutionGraph(
      jobGraph({ src: 2, proc: 2 }, [
        ['src', 'proc', 'forward', false],
        ['src', 'proc', 'broadcast', true],
      ]),
    );
    const regions = graph.executionRegions();
    expect(regions).to.have.length(1);
    expect([...regions[0]!.members].sort()).to.deep.equal(['proc#0', 'proc#1', 'src#0', 'src#1']);
    expect(regions[0]!.blockingProducers).to.deep.equal([]);
    expect(new PipelinedRegionSchedulingStrategy(graph).startScheduling()).to.have.length(1);
  });

  it('schedules a job without blocking exchanges eagerly, all at once', () => {
    const spec = jobGraph({ a: 2, b: 3 }, [['a', 'b', 'hash', false]]);
    const graph = new ExecutionGraph(spec);
    const strategy = schedulingStrategyFor(spec, graph);
    expect(strategy).to.be.instanceOf(EagerSchedulingStrategy);
    expect(sorted(strategy.startScheduling())).to.deep.equal([[...keys('a', 2), ...keys('b', 3)].sort()]);
    expect(graph.executionRegions()).to.have.length(1);
  });
});
