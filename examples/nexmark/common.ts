/**
 * What every Nexmark query example shares: where the events come from and where results go.
 *
 *   --events N         events from the built-in generator (1 000 000 by default)
 *   --rate R           generator events per second of event time (10 000 by default)
 *   --seed S           generator seed (0 by default)
 *   --events-file F    read events from a file of Nexmark.formatEvent lines instead
 *   --output DIR       write results there (--overwrite replaces earlier ones); otherwise they are
 *                      printed, or dropped with --discard (for measuring)
 */
import {
  FileSystem,
  Nexmark,
  ParameterTool,
  ProcessWindowFunction,
  type Collector,
  type DataStream,
  type ProcessWindowContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from '@spindle/datastream';

export function nexmarkEvents(env: StreamExecutionEnvironment, params: ParameterTool): DataStream<Nexmark.NexmarkEvent> {
  const file = params.get('events-file');
  if (file !== undefined) return Nexmark.readNexmarkEvents(env, file);
  return Nexmark.nexmarkSource(env, {
    events: params.getInt('events', 1_000_000),
    rate: params.getInt('rate', 10_000),
    seed: params.getInt('seed', 0),
  });
}

export function bids(events: DataStream<Nexmark.NexmarkEvent>): DataStream<Nexmark.Bid> {
  return events
    .filter((e) => e.type === 'bid')
    .map((e) => e.bid!)
    .name('Bids');
}

export function emit<T>(results: DataStream<T>, params: ParameterTool, format: (r: T) => string): void {
  const lines = results.map(format).name('Format');
  const output = params.get('output');
  if (output !== undefined) {
    lines.writeAsText(output, params.has('overwrite') ? FileSystem.WriteMode.OVERWRITE : FileSystem.WriteMode.NO_OVERWRITE).name('Results');
  } else if (params.has('discard')) {
    lines.addSink(() => undefined, 'Discard');
  } else {
    lines.print();
  }
}

/** Counts the elements of a window, incrementally (an AggregateFunction). */
export const countElements = {
  createAccumulator: (): number => 0,
  add: (_element: unknown, n: number): number => n + 1,
  getResult: (n: number): number => n,
  merge: (a: number, b: number): number => a + b,
};

/** A key's count in one window, with the window's bounds. */
export interface WindowCount {
  key: number;
  count: number;
  start: number;
  end: number;
}

/** Emits the count of each window (from countElements) with its key and bounds. */
export class WithWindowBounds extends ProcessWindowFunction<number, WindowCount, number, TimeWindow> {
  process(key: number, ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<number>, out: Collector<WindowCount>): void {
    const w = ctx.window();
    for (const count of counts) out.collect({ key, count, start: w.getStart(), end: w.getEnd() });
  }
}
