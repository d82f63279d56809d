/**
 * Nexmark Query 12, processing-time windows: how many bids each bidder makes per 10 seconds of
 * processing time (the wall clock of the machine, not the events' time).
 *
 *   npx spindle run examples/nexmark/q12.ts --events 1000000 --output /tmp/q12 --overwrite
 *
 * Output lines: `bidder,bidCount,windowStart,windowEnd`. Which bids share a window depends on
 * when they are processed, so two runs differ; every bid is counted in exactly one window. A
 * bounded input's last windows fire when the input ends in BATCH; in STREAMING, windows still
 * open when the input ends are not fired, as in Flink.
 */
import { TumblingProcessingTimeWindows, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
import { bids, countElements, emit, nexmarkEvents, WithWindowBounds } from './common.js';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const counted = bids(nexmarkEvents(env, params))
    .keyBy((b) => b.bidder)
    .window(TumblingProcessingTimeWindows.of(10_000))
    .aggregate(countElements, new WithWindowBounds())
    .name('Bids per Bidder');
  emit(counted, params, (c) => `${c.key},${c.count},${c.start},${c.end}`);
  await env.execute('Nexmark Q12');
}
