import { expect } from 'chai';
import { assignToKeyGroup, computeDefaultMaxParallelism, computeOperatorIndexForKeyGroup, configureLogging } from '@spindle/core';
import { AbstractStreamOperator, type BoundedMultiInput, type OperatorContext } from '@spindle/runtime';
import { ConnectedStreams, SingleOutputStreamOperator, StreamExecutionEnvironment } from '../src/index.js';

configureLogging({ level: 'error' });

describe('connected streams: the graph', () => {
  it('gives a two-input operator two logical inputs, never chained, each with its own edges and partitioners', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const numbers = env.fromSequence(1, 10);
    const words = env.fromElements('a', 'b');
    const more = env.fromElements('c');
    numbers
      .connect(words.union(more))
      .map({ map1: (n) => String(n), map2: (s) => s })
      .print();
    const { jobGraph } = env.prepare('graph');
    const co = jobGraph.vertices.find((v) => v.name.startsWith('Co-Map'))!;
    expect(co.name).to.equal('Co-Map -> Sink: Print to Std. Out');
    const inputs = co.inputs.map((e) => [jobGraph.vertices.find((v) => v.id === e.sourceVertexId)!.name, e.inputIndex, e.partitioner]);
    expect(inputs.sort()).to.deep.equal([
      ['Source: Collection Source', 1, 'rebalance'],
      ['Source: Collection Source', 1, 'rebalance'],
      ['Source: Sequence Source', 0, 'forward'],
    ]);
  });

  it('builds other operator ids for a.connect(b) than for b.connect(a)', () => {
    const ids = (swap: boolean) => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const a = env.fromElements(1);
      const b = env.fromElements(2);
      (swap ? b.connect(a) : a.connect(b)).map({ map1: (x) => x, map2: (x) => x }).print();
      return env.prepare('ids').jobGraph.vertices.map((v) => v.id);
    };
    expect(ids(false)).to.not.deep.equal(ids(true));
  });

  it('broadcast(descriptor) sends the broadcast side to every subtask as input 2', async () => {
    const { MapStateDescriptor } = await import('@spindle/runtime');
    const env = StreamExecutionEnvironment.createLocalEnvironment(3);
    const rules = env.fromElements(['a', 1] as [string, number]).broadcast(new MapStateDescriptor<string, number>('rules'));
    env
      .fromSequence(1, 10)
      .connect(rules)
      .process({ processElement: () => undefined, processBroadcastElement: () => undefined })
      .print();
    const co = env.prepare('bc').jobGraph.vertices.find((v) => v.name.startsWith('Co-Process-Broadcast'))!;
    expect(co.inputs.map((e) => [e.inputIndex, e.partitioner]).sort()).to.deep.equal([
      [0, 'forward'],
      [1, 'broadcast'],
    ]);
  });
});

describe('connected streams: CoMap and CoFlatMap', function () {
  this.timeout(60_000);
  const numbers = Array.from({ length: 300 }, (_, i) => i + 1);
  const words = Array.from({ length: 120 }, (_, i) => `w${i % 17}`);

  for (const p of [1, 3]) {
    it(`maps and flat-maps two inputs of different types at parallelism ${p}, through a shuffle`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(p);
      const left = env.fromCollection(numbers).shuffle();
      const right = env.fromCollection(words).rebalance();
      const mapped = left.connect(right).map<string>({ map1: (n) => `n:${n * 2}`, map2: (w) => `s:${w.toUpperCase()}` });
      const flat = left.connect(right).flatMap<string | number>({
        flatMap1: (n, out) => {
          if (n % 3 === 0) out.collect(n);
        },
        flatMap2: (w, out) => {
          for (const c of w) out.collect(c);
        },
      });
      const all = await mapped.union(flat.map((x) => `f:${x}`)).executeAndCollect();
      const expected = [
        ...numbers.map((n) => `n:${n * 2}`),
        ...words.map((w) => `s:${w.toUpperCase()}`),
        ...numbers.filter((n) => n % 3 === 0).map((n) => `f:${n}`),
        ...words.flatMap((w) => w.split('').map((c) => `f:${c}`)),
      ];
      expect(all.slice().sort()).to.deep.equal(expected.slice().sort());
    });
  }
});

describe('connected streams: keyBy', function () {
  this.timeout(60_000);

  it('sends records of both inputs with equal keys to the subtask that owns their key group (p=4)', async () => {
    const p = 4;
    const env = StreamExecutionEnvironment.createLocalEnvironment(p);
    const orders = env.fromCollection(Array.from({ length: 200 }, (_, i) => ({ customer: `c${i % 23}`, amount: i })));
    const names = env.fromCollection(Array.from({ length: 23 }, (_, i) => [i, `name-${i}`] as [number, string]));
    const seen = await orders
      .connect(names)
      .keyBy<string>(
        (o) => o.customer,
        (n) => `c${n[0]}`,
      )
      .process<[number, string, number]>({
        processElement1: (o, ctx, out) => {
          expect(ctx.getCurrentKey()).to.equal(o.customer);
          out.collect([1, ctx.getCurrentKey(), ctx.subtaskIndex]);
        },
        processElement2: (n, ctx, out) => {
          expect(ctx.getCurrentKey()).to.equal(`c${n[0]}`);
          out.collect([2, ctx.getCurrentKey(), ctx.subtaskIndex]);
        },
      })
      .executeAndCollect();
    expect(seen).to.have.length(223);
    const maxParallelism = computeDefaultMaxParallelism(p);
    const subtasksOf = new Map<string, Set<number>>();
    for (const [input, key, subtask] of seen) {
      expect([1, 2]).to.include(input);
      const owner = computeOperatorIndexForKeyGroup(maxParallelism, p, assignToKeyGroup(key, maxParallelism));
      expect(subtask, `key ${key}`).to.equal(owner);
      subtasksOf.set(key, (subtasksOf.get(key) ?? new Set()).add(subtask));
    }
    expect(subtasksOf.size).to.equal(23);
    for (const [key, subtasks] of subtasksOf) expect(subtasks.size, `key ${key} met in one subtask`).to.equal(1);
    expect(new Set(seen.map((s) => s[2])).size, 'keys spread over several subtasks').to.be.greaterThan(1);
  });
});

/** Records the order of what a two-input operator hears (records per input, endInput, finish) and the records counted by each end. */
class EndInputProbe extends AbstractStreamOperator implements BoundedMultiInput {
  private readonly events: string[] = [];
  private readonly counts = [0, 0];
  private readonly countsAtEnd = [-1, -1];

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    expect(ctx.numberOfInputs).to.equal(2);
  }

  processElement(_value: unknown, inputIndex: number): void {
    this.counts[inputIndex]!++;
    if (this.events.at(-1) !== `records ${inputIndex}`) this.events.push(`records ${inputIndex}`);
  }

  endInput(inputIndex: number): void {
    this.events.push(`end ${inputIndex}`);
    this.countsAtEnd[inputIndex] = this.counts[inputIndex]!;
  }

  override finish(): void {
    this.events.push('finish');
    this.ctx.addAccumulator('end-input', [{ events: this.events, counts: this.counts, countsAtEnd: this.countsAtEnd }]);
  }
}

describe('two-input tasks: end of input', function () {
  this.timeout(60_000);

  it('tells each input its end after its last record (a union input: after all its gates), and finishes after both', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const a = env.fromSequence(1, 2000);
    const b = env.fromElements('x', 'y', 'z').union(env.fromSequence(1, 3000).map((n) => `n${n}`));
    const t = env.addOperator({
      name: 'End Input Probe',
      kind: 'test:end-input',
      role: 'operator',
      inputs: [a.transformation, b.transformation],
      bounded: true,
      createOperator: () => new EndInputProbe(),
    });
    new SingleOutputStreamOperator<never>(env, t).print();
    const result = await env.execute('end input');
    const logs = result.getAccumulatorResult('end-input') as Array<{ events: string[]; counts: number[]; countsAtEnd: number[] }>;
    expect(logs).to.have.length(2);
    for (const { events, counts, countsAtEnd } of logs) {
      expect(events.at(-1)).to.equal('finish');
      expect(events.filter((e) => e.startsWith('end')).sort()).to.deep.equal(['end 0', 'end 1']);
      expect(countsAtEnd, 'every record of an input came before its end').to.deep.equal(counts);
    }
    expect(logs.reduce((n, l) => n + l.counts[0]!, 0)).to.equal(2000);
    expect(logs.reduce((n, l) => n + l.counts[1]!, 0)).to.equal(3003);
  });

  it('ConnectedStreams exposes its inputs', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const a = env.fromElements(1);
    const b = env.fromElements('x');
    const c: ConnectedStreams<number, string> = a.connect(b);
    expect(c.getFirstInput()).to.equal(a);
    expect(c.getSecondInput()).to.equal(b);
  });
});
