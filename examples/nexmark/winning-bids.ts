/** The winning bids of closed auctions, shared by Nexmark q4 and q6. */
import {
  KeyedCoProcessFunction,
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type ListState,
  type Nexmark,
  type ValueState,
} from '@spindle/datastream';
import { bids } from './common.js';

/** An auction that closed with a winning bid: its highest bid made while it was open. */
export interface Winner {
  auction: number;
  seller: number;
  category: number;
  price: number;
  /** When the auction closed (its expiry). */
  closed: number;
}

/** How long a bid may wait for its auction: longer than any auction stays open at this rate. */
const WAIT_FOR_AUCTION_MS = 60_000;

/**
 * Auctions and bids meet on keyed state, keyed by auction id; an event-time timer at the
 * auction's expiry closes it. A bid that comes before its auction waits for it, for at most the
 * auction's longest possible lifetime.
 */
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
      if (best !== undefined)
        out.collect({ auction: auction.id, seller: auction.seller, category: auction.category, price: best, closed: auction.expires });
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

/** The winning bids of the closed auctions of `events` (Nexmark's core of q4 and q6). */
export function winningBids(events: DataStream<Nexmark.NexmarkEvent>): DataStream<Winner> {
  const auctions = events
    .filter((e) => e.type === 'auction')
    .map((e) => e.auction!)
    .name('Auctions');
  return auctions
    .connect(bids(events))
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process(new WinningBids())
    .name('Winning Bids');
}
