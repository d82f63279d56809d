import { expect } from 'chai';
import { StreamExecutionEnvironment } from '../src/index.js';

function wordCountEnv(p: number): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.createLocalEnvironment(p);
  env
    .fromSequence(1, 100)
    .map((x) => [x % 7, x] as [number, number])
    .name('Pair')
    .filter(() => true)
    .keyBy(0)
    .sum(1)
    .map((t) => String(t))
    .print();
  return env;
}

describe('StreamGraph to JobGraph', () => {
  it('chains forward operators of equal parallelism and cuts at keyBy', () => {
    const { jobGraph } = wordCountEnv(2).prepare('job');
    expect(jobGraph.vertices.map((v) => v.name)).to.deep.equal([
      'Source: Sequence Source -> Pair -> Filter',
      'Keyed Aggregation -> Map -> Sink: Print to Std. Out',
    ]);
    const [source, sink] = jobGraph.vertices;
    expect(source!.outputs).to.have.length(1);
    expect(source!.outputs[0]!.partitioner).to.equal('hash');
    expect(source!.outputs[0]!.shipStrategy).to.equal('HASH');
    expect(sink!.inputs[0]!.sourceVertexId).to.equal(source!.id);
    expect(jobGraph.runtimeMode).to.equal('STREAMING');
    expect(source!.outputs[0]!.resultType).to.equal('PIPELINED_BOUNDED');
  });

  it('marks shuffles BLOCKING in BATCH mode', () => {
    const env = wordCountEnv(2).setRuntimeMode('BATCH');
    expect(env.prepare('job').jobGraph.vertices[0]!.outputs[0]!.resultType).to.equal('BLOCKING');
  });

  it('builds the same operator ids and graph hash for the same program, and others for another', () => {
    const a = wordCountEnv(2).prepare('a').jobGraph;
    const b = wordCountEnv(2).prepare('b').jobGraph;
    const c = wordCountEnv(3).prepare('c').jobGraph;
    expect(a.graphHash).to.equal(b.graphHash);
    expect(a.vertices.map((v) => v.id)).to.deep.equal(b.vertices.map((v) => v.id));
    expect(c.graphHash).not.to.equal(a.graphHash);
    expect(a.jobId).not.to.equal(b.jobId);
  });

  it('uses the uid for the operator id', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromElements(1)
      .map((x) => x)
      .uid('my-map')
      .print();
    const one = env.prepare('x').jobGraph.vertices[0]!.operators[1]!;
    const env2 = StreamExecutionEnvironment.createLocalEnvironment(1);
    env2
      .fromElements(1, 2)
      .filter(() => true)
      .map((x) => x)
      .uid('my-map')
      .print();
    const two = env2.prepare('x').jobGraph.vertices[0]!.operators.find((o) => o.uid === 'my-map')!;
    expect(one.id).to.equal(two.id);
  });

  it('breaks chains at disableChaining, parallelism changes and slot sharing groups', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 10)
      .map((x) => x)
      .disableChaining()
      .map((x) => x)
      .setParallelism(1)
      .map((x) => x)
      .slotSharingGroup('other')
      .print();
    const names = env.prepare('x').jobGraph.vertices.map((v) => `${v.name}|${v.parallelism}|${v.slotSharingGroup}`);
    expect(names).to.deep.equal([
      'Source: Sequence Source|2|default',
      'Map|2|default',
      'Map|1|default',
      'Map -> Sink: Print to Std. Out|2|other',
    ]);
  });

  it('pins collection sources to parallelism 1 and rejects more', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(4);
    env.fromElements(1, 2).print();
    expect(env.prepare('x').jobGraph.vertices[0]!.parallelism).to.equal(1);
    const bad = StreamExecutionEnvironment.createLocalEnvironment(1);
    bad.fromElements(1).setParallelism(2).print();
    expect(() => bad.prepare('x')).to.throw(/not a parallel source/);
  });

  it('rejects forward partitioning between different parallelisms', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 10)
      .forward()
      .map((x) => x)
      .setParallelism(3)
      .print();
    expect(() => env.prepare('x')).to.throw(/Forward partitioning does not allow a change of parallelism/);
  });

  it('prints the plan in Flink JSON plan format', () => {
    const plan = JSON.parse(wordCountEnv(2).getExecutionPlan()) as { nodes: Array<Record<string, unknown>> };
    expect(plan.nodes).to.have.length(6);
    const agg = plan.nodes.find((n) => n.type === 'Keyed Aggregation')!;
    expect(agg).to.include.keys('id', 'type', 'pact', 'operator', 'contents', 'parallelism', 'predecessors');
    expect(agg.predecessors).to.deep.equal([{ id: 3, ship_strategy: 'HASH', side: 'second' }]);
    expect(plan.nodes[0]!.pact).to.equal('Data Source');
  });

  it('refuses to execute a graph without sinks', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.fromElements(1).map((x) => x);
    let error: unknown;
    await env.execute().catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/No operators defined/);
  });
});
