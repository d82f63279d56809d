import { FileSystem, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * A BATCH count of a rate-limited generator of 0..n-1 by `i mod keys`, written as `<key> <count>`
 * lines (overwriting what an earlier run left): a job that runs for a while and whose complete
 * output the test computes by itself (for the tests that kill an AppMaster mid-job).
 */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const keys = params.getInt('keys', 10);
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode('BATCH');
  env
    .fromDataGenerator((i) => i, { count: params.getInt('n', 10_000), recordsPerSecond: params.getInt('rate', 500) })
    .map((i: number): [number, number] => [i % keys, 1])
    .keyBy((pair) => pair[0])
    .sum(1)
    .map(([key, count]) => `${key} ${count}`)
    .writeAsText(params.getRequired('output'), FileSystem.WriteMode.OVERWRITE);
  await env.execute('Slow count');
}

/** The lines the job writes for n and keys, computed without Spindle: key k occurs ceil((n - k) / keys) times. */
export function expectedCounts(n: number, keys: number): string[] {
  const lines: string[] = [];
  for (let k = 0; k < Math.min(n, keys); k++) lines.push(`${k} ${Math.ceil((n - k) / keys)}`);
  return lines.sort();
}
