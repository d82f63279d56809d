import { SingleOutputStreamOperator } from '../data-stream.js';
import { WatermarkStrategy } from '../eventtime/watermark-strategy.js';
import type { StreamExecutionEnvironment } from '../stream-execution-environment.js';
import { listInputFiles } from '../sources/text-file-source.js';
import { NexmarkEventsFileSource } from './events-file-source.js';
import { NexmarkGenerator, type NexmarkOptions } from './generator.js';
import { eventTime, type NexmarkEvent } from './model.js';

export * from './model.js';
export { formatEvent, parseEvent } from './events-file.js';
export {
  NexmarkGenerator,
  NEXMARK_BASE_TIME,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  type NexmarkOptions,
} from './generator.js';

export interface NexmarkSourceOptions extends NexmarkOptions {
  /** Number of events; endless when absent. */
  events?: number;
  /** Wall-clock limit on events per second over all subtasks; unlimited when absent. */
  eventsPerSecond?: number;
}

/**
 * The Nexmark stream, made in parallel by the built-in generator (subtask i makes events i, i+p,
 * ...), with event timestamps and watermarks: each subtask's events are in time order, so the
 * watermark follows the last event of each subtask.
 */
export function nexmarkSource(
  env: StreamExecutionEnvironment,
  options: NexmarkSourceOptions = {},
): SingleOutputStreamOperator<NexmarkEvent> {
  const generator = new NexmarkGenerator(options);
  return env
    .fromDataGenerator((id) => generator.event(id), { count: options.events, recordsPerSecond: options.eventsPerSecond })
    .name('Nexmark Source')
    .assignTimestampsAndWatermarks(inOrder())
    .name('Nexmark Timestamps');
}

/**
 * Nexmark events from a file (or a directory of files) in formatEvent's line format, with event
 * timestamps and watermarks. Each subtask reads its splits in file order, so its events are in
 * time order when the file is (as the generator writes it).
 */
export function readNexmarkEvents(env: StreamExecutionEnvironment, path: string): SingleOutputStreamOperator<NexmarkEvent> {
  const source = env.addOperator({
    name: 'Nexmark Events',
    kind: 'source:nexmark-file',
    role: 'source',
    inputs: [],
    createOperator: () => new NexmarkEventsFileSource(path),
    bounded: true,
    prepare: async () => void (await listInputFiles(path, env.config)),
  });
  return new SingleOutputStreamOperator<NexmarkEvent>(env, source).assignTimestampsAndWatermarks(inOrder()).name('Nexmark Timestamps');
}

function inOrder(): WatermarkStrategy<NexmarkEvent> {
  return WatermarkStrategy.forMonotonousTimestamps<NexmarkEvent>().withTimestampAssigner((e) => eventTime(e));
}
