/**
 * Nexmark Query 2, selection: the bids on every 123rd auction, with their price.
 *
 *   npx spindle run examples/nexmark/q2.ts --events 1000000 --output /tmp/q2 --overwrite
 *
 * Output lines: `auction,price`.
 */
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const result = bids(nexmarkEvents(env, params))
    .filter((b) => b.auction % 123 === 0)
    .name('Every 123rd Auction');
  emit(result, params, (b) => `${b.auction},${b.price}`);
  await env.execute('Nexmark Q2');
}
