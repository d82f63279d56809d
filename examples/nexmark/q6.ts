/**
 * Nexmark Query 6, average selling price by seller: for each seller, the average winning bid of
 * their last 10 closed auctions, updated as each of their auctions closes. The winning bids
 * (winning-bids.ts) are keyed by seller and taken in the order their auctions closed (event time;
 * auctions closing at the same instant by id), so the result does not depend on arrival order.
 *
 *   npx spindle run examples/nexmark/q6.ts --events 1000000 --output /tmp/q6 --overwrite
 *
 * Output lines: `seller,averagePrice` (rounded down to whole cents), one per closed auction.
 */
import {
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ParameterTool,
  StreamExecutionEnvironment,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ListState,
  type MapState,
} from '@spindle/datastream';
import { emit, nexmarkEvents } from './common.js';
import { winningBids, type Winner } from './winning-bids.js';

const LAST = 10;

class AverageOfLastTen extends KeyedProcessFunction<number, Winner, [number, number]> {
  /** Winners not yet in the average, by the time their auction closed. */
  private pending!: MapState<number, Winner[]>;
  private last!: ListState<number>;

  override open(): void {
    this.pending = this.getRuntimeContext().getMapState(new MapStateDescriptor<number, Winner[]>('pending'));
    this.last = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('last-prices'));
  }

  processElement(w: Winner, ctx: KeyedProcessFunctionContext<number>): void {
    this.pending.put(w.closed, [...(this.pending.get(w.closed) ?? []), w]);
    ctx.timerService().registerEventTimeTimer(w.closed);
  }

  override onTimer(timestamp: number, ctx: KeyedOnTimerContext<number>, out: Collector<[number, number]>): void {
    const closed = (this.pending.get(timestamp) ?? []).sort((a, b) => a.auction - b.auction);
    this.pending.remove(timestamp);
    const prices = [...this.last.get()];
    for (const w of closed) {
      prices.push(w.price);
      if (prices.length > LAST) prices.shift();
      out.collect([ctx.getCurrentKey(), Math.floor(prices.reduce((a, b) => a + b, 0) / prices.length)]);
    }
    this.last.update(prices);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const averages = winningBids(nexmarkEvents(env, params))
    .keyBy((w) => w.seller)
    .process(new AverageOfLastTen())
    .name('Average of Last 10 per Seller');
  emit(averages, params, ([seller, avg]) => `${seller},${avg}`);
  await env.execute('Nexmark Q6');
}
