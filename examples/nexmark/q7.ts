/**
 * Nexmark Query 7, highest bid: the bids at the highest price of each 10-second tumbling
 * event-time window. An incremental aggregate keeps, per window, the highest price and the bids
 * at it.
 *
 *   npx spindle run examples/nexmark/q7.ts --events 1000000 --output /tmp/q7 --overwrite
 *
 * Output lines: `auction,bidder,price,dateTime,extra,windowEnd`.
 */
import {
  ProcessAllWindowFunction,
  ParameterTool,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  type Collector,
  type Nexmark,
  type ProcessWindowContext,
  type TimeWindow,
} from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

interface Highest {
  price: number;
  bids: Nexmark.Bid[];
}

const highest = {
  createAccumulator: (): Highest => ({ price: -1, bids: [] }),
  add: (bid: Nexmark.Bid, acc: Highest): Highest => {
    if (bid.price > acc.price) return { price: bid.price, bids: [bid] };
    if (bid.price === acc.price) acc.bids.push(bid);
    return acc;
  },
  getResult: (acc: Highest): Highest => acc,
  merge: (a: Highest, b: Highest): Highest =>
    a.price === b.price ? { price: a.price, bids: [...a.bids, ...b.bids] } : a.price > b.price ? a : b,
};

class WithWindowEnd extends ProcessAllWindowFunction<Highest, [Nexmark.Bid, number], TimeWindow> {
  process(ctx: ProcessWindowContext<TimeWindow>, results: Iterable<Highest>, out: Collector<[Nexmark.Bid, number]>): void {
    for (const r of results) for (const bid of r.bids) out.collect([bid, ctx.window().getEnd()]);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const result = bids(nexmarkEvents(env, params))
    .windowAll(TumblingEventTimeWindows.of(10_000))
    .aggregate(highest, new WithWindowEnd())
    .name('Highest Bids');
  emit(result, params, ([b, end]) => `${b.auction},${b.bidder},${b.price},${b.dateTime},${b.extra},${end}`);
  await env.execute('Nexmark Q7');
}
