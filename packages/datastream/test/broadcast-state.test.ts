import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { MapStateDescriptor, type OperatorContext, type SourceStatus } from '@spindle/runtime';
import {
  SingleOutputStreamOperator,
  StreamExecutionEnvironment,
  type BroadcastProcessFunctionLike,
  type BroadcastStream,
  type DataStream,
} from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

const P = 3;
const RULES: Array<[string, number]> = [
  ['a', 10],
  ['b', 20],
  ['c', 30],
  ['a', 11],
  ['d', 40],
];
const DATA_COUNT = 90;
const KEYS = ['a', 'b', 'c', 'd', 'e'];

/** The final rule map, computed by replaying the rules in order. */
function expectedRules(): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const [k, v] of RULES) m.set(k, v);
  return [...m.entries()].sort();
}

/** Shared by the subtasks of one run (tests run their slots in this thread). */
const run = { broadcastSeen: 0 };

/**
 * Each subtask emits its share of the data only once every operator subtask processed every rule,
 * so each record meets the final rules (bounded wait: it starts anyway after 10 s, and the test
 * then fails on the enrichment).
 */
class DataSource extends AbstractSource {
  private items: number[] = [];
  private deadline = 0;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    for (let i = ctx.subtaskIndex; i < DATA_COUNT; i += ctx.parallelism) this.items.push(i);
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.deadline === 0) this.deadline = Date.now() + 10_000;
    if (run.broadcastSeen < P * RULES.length && Date.now() < this.deadline) {
      return new Promise((resolve) => setTimeout(() => resolve('more'), 2));
    }
    for (const i of this.items) this.out.collect(i);
    return 'end';
  }
}

/** Emits the rules one by one, 20 ms apart. */
class SlowRulesSource extends AbstractSource {
  private next = 0;

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.next >= RULES.length) return 'end';
    this.out.collect(RULES[this.next++]);
    return new Promise((resolve) => setTimeout(() => resolve('more'), 20));
  }
}

type Out =
  { kind: 'state'; subtask: number; rules: Array<[string, number]> } | { kind: 'data'; value: number; key: string; rule: number | null };

function job(): {
  env: StreamExecutionEnvironment;
  data: DataStream<number>;
  rules: BroadcastStream<[string, number]>;
  descriptor: MapStateDescriptor<string, number>;
} {
  run.broadcastSeen = 0;
  const env = StreamExecutionEnvironment.createLocalEnvironment(P);
  const descriptor = new MapStateDescriptor<string, number>('rules');
  const rules = env.fromCollection(RULES).broadcast(descriptor);
  const t = env.addOperator({
    name: 'Data',
    kind: 'source:test-data',
    role: 'source',
    inputs: [],
    bounded: true,
    createOperator: () => new DataSource(),
  });
  return { env, data: new SingleOutputStreamOperator<number>(env, t), rules, descriptor };
}

function check(out: Out[]): void {
  const lastState = new Map<number, Array<[string, number]>>();
  for (const o of out) if (o.kind === 'state') lastState.set(o.subtask, o.rules);
  expect([...lastState.keys()].sort()).to.deep.equal([0, 1, 2]);
  for (const [subtask, rules] of lastState) expect(rules.sort(), `broadcast state of subtask ${subtask}`).to.deep.equal(expectedRules());
  const final = new Map(expectedRules());
  const data = out.filter((o) => o.kind === 'data');
  const expected = Array.from({ length: DATA_COUNT }, (_, i) => ({
    kind: 'data',
    value: i,
    key: KEYS[i % KEYS.length]!,
    rule: final.get(KEYS[i % KEYS.length]!) ?? null,
  }));
  expect(data.sort((x, y) => x.value - y.value)).to.deep.equal(expected);
}

describe('broadcast state', function () {
  this.timeout(1_000_000);

  it('every subtask of a p=3 stream builds the same broadcast state, and data records are enriched by it', async () => {
    const { data, rules, descriptor } = job();
    const out = await data
      .connect(rules)
      .process<Out>({
        processElement: (value, ctx, out) => {
          const state = ctx.getBroadcastState(descriptor);
          expect('put' in state, 'processElement reads the broadcast state only').to.equal(false);
          const key = KEYS[value % KEYS.length]!;
          out.collect({ kind: 'data', value, key, rule: state.get(key) ?? null });
        },
        processBroadcastElement: ([k, v], ctx, out) => {
          const state = ctx.getBroadcastState(descriptor);
          state.put(k, v);
          run.broadcastSeen++;
          out.collect({ kind: 'state', subtask: ctx.subtaskIndex, rules: [...state.entries()] });
        },
      })
      .executeAndCollect();
    check(out);
  });

  it('a keyed stream connected to a broadcast stream knows the current key in processElement', async () => {
    const { data, rules, descriptor } = job();
    const out = await data
      .keyBy((x) => KEYS[x % KEYS.length]!)
      .connect(rules)
      .process<Out>({
        processElement: (value, ctx, out) => {
          const key = ctx.getCurrentKey();
          expect(key).to.equal(KEYS[value % KEYS.length]);
          out.collect({ kind: 'data', value, key, rule: ctx.getBroadcastState(descriptor).get(key) ?? null });
        },
        processBroadcastElement: ([k, v], ctx, out) => {
          const state = ctx.getBroadcastState(descriptor);
          state.put(k, v);
          run.broadcastSeen++;
          out.collect({ kind: 'state', subtask: ctx.subtaskIndex, rules: [...state.entries()] });
        },
      })
      .executeAndCollect();
    check(out);
  });

  it('fails the job when a function asks for a broadcast state the stream was not broadcast with', async () => {
    const { data, rules } = job();
    const other = new MapStateDescriptor<string, number>('other');
    const failure = await data
      .connect(rules)
      .process<number>({
        processElement: () => undefined,
        processBroadcastElement: (_rule, ctx) => {
          ctx.getBroadcastState(other).put('x', 1);
        },
      })
      .executeAndCollect()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(failure?.message).to.include("the broadcast state 'other' does not exist");
  });

  for (const keyed of [false, true]) {
    it(`in BATCH reads the broadcast side first: every record sees the final rules (${keyed ? 'keyed' : 'non-keyed'}, p=3)`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(P).setRuntimeMode('BATCH');
      const descriptor = new MapStateDescriptor<string, number>('rules');
      // The rules come slowly, so without reading them first the data would overtake them.
      const rulesSource = env.addOperator({
        name: 'Slow Rules',
        kind: 'source:test-slow-rules',
        role: 'source',
        inputs: [],
        bounded: true,
        createOperator: () => new SlowRulesSource(),
        maxSourceParallelism: 1,
      });
      const rules = new SingleOutputStreamOperator<[string, number]>(env, rulesSource).broadcast(descriptor);
      const data = env.fromSequence(0, DATA_COUNT - 1);
      const fn: BroadcastProcessFunctionLike<number, [string, number], Out> = {
        processElement: (value, ctx, out) => {
          const key = KEYS[value % KEYS.length]!;
          out.collect({ kind: 'data', value, key, rule: ctx.getBroadcastState(descriptor).get(key) ?? null });
        },
        processBroadcastElement: ([k, v], ctx, out) => {
          const state = ctx.getBroadcastState(descriptor);
          state.put(k, v);
          out.collect({ kind: 'state', subtask: ctx.subtaskIndex, rules: [...state.entries()] });
        },
      };
      const connected = keyed ? data.keyBy((x) => KEYS[x % KEYS.length]!).connect(rules) : data.connect(rules);
      check(await connected.process<Out>(fn).executeAndCollect());
    });
  }

  it('in BATCH reads both inputs as they come when they share an upstream operator (no stall on backpressure)', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2).setRuntimeMode('BATCH');
    const descriptor = new MapStateDescriptor<number, boolean>('small');
    const numbers = env.fromSequence(1, 1_000_000);
    const small = numbers.filter((n) => n % 100_000 === 0).broadcast(descriptor);
    const out = await numbers
      .connect(small)
      .process<number>({
        processElement: (n, _ctx, out) => {
          if (n % 7 === 0) out.collect(n);
        },
        processBroadcastElement: (n, ctx) => ctx.getBroadcastState(descriptor).put(n, true),
      })
      .executeAndCollect();
    expect(out.length).to.equal(Math.floor(1_000_000 / 7));
  });
});
