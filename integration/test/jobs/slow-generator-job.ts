import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/** A streaming job that runs until cancelled (a slow generator, nothing written): for tests that list, stop or cancel jobs. */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromDataGenerator((i) => i, { count: params.getInt('n', 1_000_000), recordsPerSecond: params.getInt('rate', 5) })
    .filter((i: number) => i < 0)
    .print();
  await env.execute('Slow generator');
}
