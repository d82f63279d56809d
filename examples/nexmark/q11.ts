/**
 * Nexmark Query 11, user sessions: how many bids each bidder made per session, a session ending
 * after 10 seconds without a bid (event-time session windows).
 *
 *   npx spindle run examples/nexmark/q11.ts --events 1000000 --output /tmp/q11 --overwrite
 *
 * Output lines: `bidder,bidCount,sessionStart,sessionEnd` (the end is the last bid + 10 s).
 */
import { EventTimeSessionWindows, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
import { bids, countElements, emit, nexmarkEvents, WithWindowBounds } from './common.js';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const sessions = bids(nexmarkEvents(env, params))
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(10_000))
    .aggregate(countElements, new WithWindowBounds())
    .name('Bid Sessions');
  emit(sessions, params, (c) => `${c.key},${c.count},${c.start},${c.end}`);
  await env.execute('Nexmark Q11');
}
