/**
 * Nexmark Query 5, hot items: which auctions got the most bids in the last 10 seconds, updated
 * every 2 seconds. Bid counts per auction over sliding event-time windows (an incremental
 * aggregate), then, per window, the auction(s) with the highest count.
 *
 *   npx spindle run examples/nexmark/q5.ts --events 1000000 --output /tmp/q5 --overwrite
 *
 * Output lines: `auction,num,windowEnd` (a line per auction tied at the highest count).
 */
import {
  ParameterTool,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '@spindle/datastream';
import { bids, countElements, emit, nexmarkEvents } from './common.js';

interface AuctionCount {
  auction: number;
  num: number;
  windowEnd: number;
}

class WithWindowEnd extends ProcessWindowFunction<number, AuctionCount, number, TimeWindow> {
  process(auction: number, ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<number>, out: Collector<AuctionCount>): void {
    for (const num of counts) out.collect({ auction, num, windowEnd: ctx.window().getEnd() });
  }
}

/** The counts of one window (they all carry its end - 1 as timestamp): those at the maximum. */
class HottestOfWindow extends ProcessWindowFunction<AuctionCount, AuctionCount, number, TimeWindow> {
  process(_end: number, _ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<AuctionCount>, out: Collector<AuctionCount>): void {
    let max = 0;
    for (const c of counts) max = Math.max(max, c.num);
    for (const c of counts) if (c.num === max) out.collect(c);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const hottest = bids(nexmarkEvents(env, params))
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of(10_000, 2_000))
    .aggregate(countElements, new WithWindowEnd())
    .name('Bids per Auction')
    // Each window's counts carry the window's last instant as timestamp: a 2 s tumbling window
    // holds exactly the counts of one sliding window.
    .keyBy((c) => c.windowEnd)
    .window(TumblingEventTimeWindows.of(2_000))
    .process(new HottestOfWindow())
    .name('Hottest Auctions');
  emit(hottest, params, (c) => `${c.auction},${c.num},${c.windowEnd}`);
  await env.execute('Nexmark Q5');
}
