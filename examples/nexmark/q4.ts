/**
 * Nexmark Query 4, average price for a category: the average winning bid of the closed auctions
 * of each category. A winning bid is an auction's highest bid made while it was open
 * (`auction.dateTime <= bid.dateTime <= auction.expires`). Auctions and bids meet on keyed state,
 * keyed by auction id; an event-time timer at the auction's expiry closes it (a bid that comes
 * before its auction waits for it, for at most the auction's longest possible lifetime). Then a
 * running average per category.
 *
 *   npx spindle run examples/nexmark/q4.ts --events 1000000 --output /tmp/q4 --overwrite
 *
 * Output lines: `category,averagePrice`, an update each time an auction of the category closes
 * with a winning bid (the average rounded down to whole cents, as SQL's AVG of integers).
 */
import {
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ListStateDescriptor,
  ParameterTool,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type KeyedProcessFunctionContext,
  type ListState,
  type Nexmark,
  type ValueState,
} from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

interface Winner {
  category: number;
  price: number;
}

/** How long a bid may wait for its auction: longer than any auction stays open at this rate. */
const WAIT_FOR_AUCTION_MS = 60_000;

class WinningBids extends KeyedCoProcessFunction<number, Nexmark.Auction, Nexmark.Bid, Winner> {
  private auction!: ValueState<Nexmark.Auction>;
  private best!: ValueState<number>;
  private early!: ListState<Nexmark.Bid>;

  override open(): void {
    this.auction = this.getRuntimeContext().getState(new ValueStateDescriptor<Nexmark.Auction>('auction'));
    this.best = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('best-price'));
    this.early = this.getRuntimeContext().getListState(new ListStateDescriptor<Nexmark.Bid>('bids-before-auction'));
  }

  processElement1(auction: Nexmark.Auction, ctx: KeyedCoProcessContext<number>): void {
    this.auction.update(auction);
    for (const bid of this.early.get()) this.consider(auction, bid);
    this.early.clear();
    ctx.timerService().registerEventTimeTimer(auction.expires);
  }

  processElement2(bid: Nexmark.Bid, ctx: KeyedCoProcessContext<number>): void {
    const auction = this.auction.value();
    if (auction !== undefined) {
      this.consider(auction, bid);
      return;
    }
    this.early.add(bid);
    ctx.timerService().registerEventTimeTimer(bid.dateTime + WAIT_FOR_AUCTION_MS);
  }

  override onTimer(_timestamp: number, _ctx: KeyedCoOnTimerContext<number>, out: Collector<Winner>): void {
    const auction = this.auction.value();
    // An auction closes at its expiry; without one, only waiting bids are dropped.
    if (auction !== undefined) {
      const best = this.best.value();
      if (best !== undefined) out.collect({ category: auction.category, price: best });
      this.auction.clear();
      this.best.clear();
    }
    this.early.clear();
  }

  private consider(auction: Nexmark.Auction, bid: Nexmark.Bid): void {
    if (bid.dateTime < auction.dateTime || bid.dateTime > auction.expires) return;
    const best = this.best.value();
    if (best === undefined || bid.price > best) this.best.update(bid.price);
  }
}

class AveragePerCategory extends KeyedProcessFunction<number, Winner, [number, number]> {
  private totals!: ValueState<[number, number]>;

  override open(): void {
    this.totals = this.getRuntimeContext().getState(new ValueStateDescriptor<[number, number]>('sum-and-count'));
  }

  processElement(w: Winner, _ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number]>): void {
    const [sum, n] = this.totals.value() ?? [0, 0];
    this.totals.update([sum + w.price, n + 1]);
    out.collect([w.category, Math.floor((sum + w.price) / (n + 1))]);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const events = nexmarkEvents(env, params);
  const auctions = events
    .filter((e) => e.type === 'auction')
    .map((e) => e.auction!)
    .name('Auctions');
  const averages = auctions
    .connect(bids(events))
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process(new WinningBids())
    .name('Winning Bids')
    .keyBy((w) => w.category)
    .process(new AveragePerCategory())
    .name('Average per Category');
  emit(averages, params, ([category, avg]) => `${category},${avg}`);
  await env.execute('Nexmark Q4');
}
