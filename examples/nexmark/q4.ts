/**
 * Nexmark Query 4, average price for a category: the average winning bid of the closed auctions
 * of each category. A winning bid is an auction's highest bid made while it was open
 * (`auction.dateTime <= bid.dateTime <= auction.expires`), found on keyed state when the auction
 * closes (winning-bids.ts); then a running average per category.
 *
 *   npx spindle run examples/nexmark/q4.ts --events 1000000 --output /tmp/q4 --overwrite
 *
 * Output lines: `category,averagePrice`, an update each time an auction of the category closes
 * with a winning bid (the average rounded down to whole cents, as SQL's AVG of integers).
 */
import {
  KeyedProcessFunction,
  ParameterTool,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessFunctionContext,
  type ValueState,
} from '@spindle/datastream';
import { emit, nexmarkEvents } from './common.js';
import { winningBids, type Winner } from './winning-bids.js';

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
  const averages = winningBids(nexmarkEvents(env, params))
    .keyBy((w) => w.category)
    .process(new AveragePerCategory())
    .name('Average per Category');
  emit(averages, params, ([category, avg]) => `${category},${avg}`);
  await env.execute('Nexmark Q4');
}
