/**
 * Nexmark Query 0, pass-through: every bid, unchanged. Measures the cost of reading, moving and
 * writing events.
 *
 *   npx spindle run examples/nexmark/q0.ts --events 1000000 --discard
 */
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const result = bids(nexmarkEvents(env, params));
  emit(result, params, (b) => `${b.auction},${b.bidder},${b.price},${b.dateTime},${b.extra}`);
  await env.execute('Nexmark Q0');
}
