import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * A BATCH job of two stages whose source is rate-limited (`n` numbers at `rate` per second): its
 * stage runs long enough for a test to read its figures while it runs. Stage 2 sums the numbers
 * per key (x mod 10) and discards the sums.
 */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode('BATCH');
  env.setParallelism(params.getInt('parallelism', 2));
  env
    .fromDataGenerator((i) => i, { count: params.getInt('n', 3000), recordsPerSecond: params.getInt('rate', 1000) })
    .name('Slow numbers')
    .keyBy((x: number) => x % 10)
    .reduce((a: number, b: number) => a + b)
    .name('Sums')
    .addSink(() => undefined);
  await env.execute('Slow batch');
}
