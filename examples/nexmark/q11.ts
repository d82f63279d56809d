/**
 * Nexmark Query 11, user sessions: how many bids each bidder made per session, a session ending
 * after 10 seconds without a bid (event-time session windows).
 *
 *   npx spindle run examples/nexmark/q11.ts --events 1000000 --output /tmp/q11 --overwrite
 *
 * Output lines: `bidder,bidCount,sessionStart,sessionEnd` (the end is the last bid + 10 s).
 */
import {
  EventTimeSessionWindows,
  ParameterTool,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '@spindle/datastream';
import { bids, emit, nexmarkEvents } from './common.js';

interface Session {
  bidder: number;
  count: number;
  start: number;
  end: number;
}

const count = {
  createAccumulator: (): number => 0,
  add: (_bid: unknown, n: number): number => n + 1,
  getResult: (n: number): number => n,
  merge: (a: number, b: number): number => a + b,
};

class WithSession extends ProcessWindowFunction<number, Session, number, TimeWindow> {
  process(bidder: number, ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<number>, out: Collector<Session>): void {
    const w = ctx.window();
    for (const n of counts) out.collect({ bidder, count: n, start: w.getStart(), end: w.getEnd() });
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const sessions = bids(nexmarkEvents(env, params))
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(10_000))
    .aggregate(count, new WithSession())
    .name('Bid Sessions');
  emit(sessions, params, (s) => `${s.bidder},${s.count},${s.start},${s.end}`);
  await env.execute('Nexmark Q11');
}
