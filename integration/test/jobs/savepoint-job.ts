import {
  FileSink,
  KeyedProcessFunction,
  OnCheckpointRollingPolicy,
  SimpleStringEncoder,
  ParameterTool,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ValueState,
} from '@spindle/datastream';
import { CommittingSink, KEYS } from './checkpoint-verification-job.js';

/**
 * The savepoint tests' job: a rate-limited generator of indexes 0..n-1 (event time = index),
 * key = index mod KEYS; per element, a keyed sequence check (each key's sequence number must
 * advance by exactly one: a lost or repeated state update throws) and an event-time timer at
 * index + DELAY. The exactly-once sink commits `E <key> <seq>` per element and `T <key> <index>`
 * per timer, so the committed output proves that keyed state and timers were each restored once.
 * The source and the checker have uids; the sink has none (its id hashes its graph position).
 * With `--file-sink <dir>` the same lines also go to a FileSink that rolls its part files on every checkpoint.
 */
export const DELAY = 400;

export function expectedSavepointLines(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`E ${i % KEYS} ${Math.floor(i / KEYS)}`, `T ${i % KEYS} ${i}`);
  return lines.sort();
}

class CheckerWithTimers extends KeyedProcessFunction<number, number, string> {
  private last!: ValueState<number>;

  constructor(private readonly strict: boolean) {
    super();
  }

  override open(): void {
    this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last-seq'));
  }

  processElement(index: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<string>): void {
    const key = index % KEYS;
    const seq = Math.floor(index / KEYS);
    const last = this.last.value() ?? -1;
    if (this.strict && seq !== last + 1) throw new Error(`key ${key}: sequence went from ${last} to ${seq}`);
    this.last.update(seq);
    ctx.timerService().registerEventTimeTimer(index + DELAY);
    out.collect(`E ${key} ${seq}`);
  }

  override onTimer(timestamp: number, ctx: KeyedOnTimerContext<number>, out: Collector<string>): void {
    out.collect(`T ${ctx.getCurrentKey()} ${timestamp - DELAY}`);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const lines = env
    .fromDataGenerator((i) => i, { count: params.getInt('n', 20_000), recordsPerSecond: params.getInt('rate', 2000) })
    .uid('generator')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i))
    .keyBy((i: number) => i % KEYS)
    .process(new CheckerWithTimers(params.get('strict', 'true') === 'true'))
    .uid(params.get('checker-uid', 'sequence-checker'));
  lines.addSink(new CommittingSink(params.getRequired('output')), 'Committing sink');
  const files = params.get('file-sink');
  if (files !== undefined)
    lines
      .sinkTo(FileSink.forRowFormat(files, new SimpleStringEncoder<string>()).withRollingPolicy(OnCheckpointRollingPolicy.build()).build())
      .uid('file-sink');
  await env.execute('Savepoint job');
}
