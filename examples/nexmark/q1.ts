/**
 * Nexmark Query 1, currency conversion: each bid with its price in euros (price × 0.908).
 *
 *   npx spindle run examples/nexmark/q1.ts --events 1000000 --output /tmp/q1 --overwrite
 *
 * Output lines: `auction,bidder,price,dateTime` with the price rounded to 3 decimals.
 */
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const result = bids(nexmarkEvents(env, params))
    .map((b) => ({ auction: b.auction, bidder: b.bidder, price: Math.round(b.price * 908) / 1000, dateTime: b.dateTime }))
    .name('To Euros');
  emit(result, params, (b) => `${b.auction},${b.bidder},${b.price.toFixed(3)},${b.dateTime}`);
  await env.execute('Nexmark Q1');
}
