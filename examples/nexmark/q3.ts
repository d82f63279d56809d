/**
 * Nexmark Query 3, local item suggestion: who sells in category 10 from Oregon, Idaho or
 * California, and which auctions. An incremental join of people and auctions on the seller, on
 * keyed state: a person is kept for the auctions that come after it, an auction waits for its
 * seller when it comes first.
 *
 *   npx spindle run examples/nexmark/q3.ts --events 1000000 --output /tmp/q3 --overwrite
 *
 * Output lines: `name,city,state,auctionId`.
 */
import {
  KeyedCoProcessFunction,
  ListStateDescriptor,
  ParameterTool,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type ListState,
  type Nexmark,
  type ValueState,
} from '@spindle/datastream';
import { emit, nexmarkEvents } from './common.js';

interface Suggestion {
  name: string;
  city: string;
  state: string;
  auction: number;
}

const STATES = new Set(['OR', 'ID', 'CA']);

class JoinSellers extends KeyedCoProcessFunction<number, Nexmark.Person, Nexmark.Auction, Suggestion> {
  private seller!: ValueState<Nexmark.Person>;
  private waiting!: ListState<number>;

  override open(): void {
    this.seller = this.getRuntimeContext().getState(new ValueStateDescriptor<Nexmark.Person>('seller'));
    this.waiting = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('auctions-waiting'));
  }

  processElement1(person: Nexmark.Person, _ctx: unknown, out: Collector<Suggestion>): void {
    this.seller.update(person);
    for (const auction of this.waiting.get()) out.collect({ name: person.name, city: person.city, state: person.state, auction });
    this.waiting.clear();
  }

  processElement2(auction: Nexmark.Auction, _ctx: unknown, out: Collector<Suggestion>): void {
    const person = this.seller.value();
    if (person !== undefined) out.collect({ name: person.name, city: person.city, state: person.state, auction: auction.id });
    else this.waiting.add(auction.id);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const events = nexmarkEvents(env, params);
  const people = events
    .filter((e) => e.type === 'person' && STATES.has(e.person.state))
    .map((e) => e.person!)
    .name('Sellers in OR, ID, CA');
  const auctions = events
    .filter((e) => e.type === 'auction' && e.auction.category === 10)
    .map((e) => e.auction!)
    .name('Auctions in Category 10');
  const result = people
    .connect(auctions)
    .keyBy(
      (p) => p.id,
      (a) => a.seller,
    )
    .process(new JoinSellers())
    .name('Join Sellers');
  emit(result, params, (s) => `${s.name},${s.city},${s.state},${s.auction}`);
  await env.execute('Nexmark Q3');
}
