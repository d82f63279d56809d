/**
 * Nexmark Query 8, monitor new users: the people who registered and opened an auction in the
 * same 10-second tumbling event-time window. A window coGroup of people and auctions on
 * person id = seller; each person comes once per window, however many auctions they opened.
 *
 *   npx spindle run examples/nexmark/q8.ts --events 1000000 --output /tmp/q8 --overwrite
 *
 * Output lines: `id,name,windowStart`.
 */
import { ParameterTool, StreamExecutionEnvironment, TumblingEventTimeWindows, type Collector } from '@spindle/datastream';
import { emit, nexmarkEvents } from './common.js';

const WINDOW = 10_000;

interface NewSeller {
  id: number;
  name: string;
  windowStart: number;
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const events = nexmarkEvents(env, params);
  const people = events
    .filter((e) => e.type === 'person')
    .map((e) => e.person!)
    .name('People');
  const auctions = events
    .filter((e) => e.type === 'auction')
    .map((e) => e.auction!)
    .name('Auctions');
  const result = people
    .coGroup(auctions)
    .where((p) => p.id)
    .equalTo((a) => a.seller)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .apply((persons: Iterable<{ id: number; name: string; dateTime: number }>, opened: Iterable<unknown>, out: Collector<NewSeller>) => {
      if ([...opened].length === 0) return;
      const seen = new Set<string>();
      for (const p of persons) {
        if (seen.has(p.name)) continue;
        seen.add(p.name);
        out.collect({ id: p.id, name: p.name, windowStart: p.dateTime - (p.dateTime % WINDOW) });
      }
    })
    .name('New Sellers');
  emit(result, params, (s) => `${s.id},${s.name},${s.windowStart}`);
  await env.execute('Nexmark Q8');
}
