import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import type { AbstractStreamOperator } from '@spindle/runtime';
import { OutputTag, ProcessJoinFunction, StreamExecutionEnvironment, type Collector, type ProcessJoinContext } from '../src/index.js';
import { OperatorHarness } from './operator-harness.js';

configureLogging({ level: 'error' });

type A = { k: number; a: number };
type B = { k: number; b: number };
const LOWER = -15;
const UPPER = 25;
const BOUND = 10;

/** Both inputs interleaved: [input, element, timestamp]; every 7th element 30-80 ms behind the others. */
const EVENTS: Array<[0 | 1, A | B, number]> = Array.from({ length: 240 }, (_, i) => {
  const ts = 1000 + 3 * i - (i % 7 === 6 ? 30 + ((i * 13) % 51) : (i * 5) % BOUND);
  return i % 3 === 0 ? [1, { k: i % 4, b: i }, ts] : [0, { k: i % 4, a: i }, ts];
});

class Pair extends ProcessJoinFunction<A, B, string> {
  processElement(a: A, b: B, _ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${a.a}-${b.b}`);
  }
}

const lateLeft = new OutputTag<A>('late-left');
const lateRight = new OutputTag<B>('late-right');

function operator(sideOutputs: boolean): AbstractStreamOperator {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  let joined = env
    .fromElements<A>()
    .keyBy((x) => x.k)
    .intervalJoin(env.fromElements<B>().keyBy((y) => y.k))
    .between(LOWER, UPPER);
  if (sideOutputs) joined = joined.sideOutputLeftLateData(lateLeft).sideOutputRightLateData(lateRight);
  return joined.process(new Pair()).transformation.createOperator() as AbstractStreamOperator;
}

/** Each input's watermark is its max timestamp - BOUND - 1 after each of its elements; the join's is the smaller one. */
async function run(sideOutputs: boolean): Promise<{ joined: string[]; left: unknown[]; right: unknown[] }> {
  const h = await OperatorHarness.open(operator(sideOutputs), {
    keySelectors: [(x) => (x as A).k, (y) => (y as B).k],
    numberOfInputs: 2,
    sideTags: ['late-left', 'late-right'],
  });
  const max = [-Infinity, -Infinity];
  for (const [input, e, ts] of EVENTS) {
    h.element(e, ts, input);
    max[input] = Math.max(max[input]!, ts);
    h.watermark(max[input] - BOUND - 1, input);
  }
  return { joined: (h.values() as string[]).sort(), left: h.side.get('late-left')!, right: h.side.get('late-right')! };
}

/** Direct computation: an element is late when its timestamp is below the smaller input watermark; the others join. */
function expected(): { joined: string[]; left: A[]; right: B[] } {
  const max = [-Infinity, -Infinity];
  const wm = [-Infinity, -Infinity];
  const kept: Array<[0 | 1, A | B, number]> = [];
  const left: A[] = [];
  const right: B[] = [];
  for (const [input, e, ts] of EVENTS) {
    if (ts < Math.min(wm[0]!, wm[1]!)) (input === 0 ? left : right).push(e as never);
    else kept.push([input, e, ts]);
    max[input] = Math.max(max[input]!, ts);
    wm[input] = max[input] - BOUND - 1;
  }
  const joined: string[] = [];
  for (const [i, a, ta] of kept) {
    if (i !== 0) continue;
    for (const [j, b, tb] of kept) {
      if (j === 1 && a.k === b.k && tb >= ta + LOWER && tb <= ta + UPPER) joined.push(`${(a as A).a}-${(b as B).b}`);
    }
  }
  return { joined: joined.sort(), left, right };
}

describe('interval join: late elements', () => {
  const want = expected();

  it('the events have late elements on both inputs', () => {
    expect(want.left.length).to.be.greaterThan(3);
    expect(want.right.length).to.be.greaterThan(3);
    expect(want.joined.length).to.be.greaterThan(100);
  });

  it('sends each input’s elements behind the watermark to its side output (sideOutputLeftLateData / sideOutputRightLateData)', async () => {
    const got = await run(true);
    expect(got.left).to.deep.equal(want.left);
    expect(got.right).to.deep.equal(want.right);
    expect(got.joined).to.deep.equal(want.joined);
  });

  it('drops them without the side outputs, joining the same pairs', async () => {
    const got = await run(false);
    expect(got.left).to.deep.equal([]);
    expect(got.right).to.deep.equal([]);
    expect(got.joined).to.deep.equal(want.joined);
  });
});
