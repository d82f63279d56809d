/**
 * The keyed job of the cluster shuffle benchmark (the same job as the Flink peer's KeyedSum): a
 * generator of `records` records [i mod 1000, i, 1] for i in 0..records-1, keyed by i mod 1000
 * and reduced per key to [key, sum of i, count] in STREAMING mode, so that every record crosses
 * the keyed exchange and updates the state. Only each key's last update (its count reaching the
 * number of records of that key) goes on: the output is 1000 `key sum count` lines.
 *
 *   spindle run -m host:port -p 2 scripts/bench/jobs/keyed-sum.ts --records 10000000 --output out/
 */
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

const KEYS = 1000;

type Sum = [key: number, sum: number, count: number];

/** How many of the records 0..records-1 have key `key`. */
function recordsOfKey(key: number, records: number): number {
  return Math.floor(records / KEYS) + (key < records % KEYS ? 1 : 0);
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const records = params.getInt('records', 1_000_000);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromDataGenerator<Sum>((i) => [i % KEYS, i, 1], { count: records })
    .keyBy((record) => record[0])
    .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]])
    .name('Sum')
    .filter((sum) => sum[2] === recordsOfKey(sum[0], records))
    .name('Last Update')
    .map(([key, sum, count]) => `${key} ${sum} ${count}`)
    .name('Format')
    .writeAsText(params.getRequired('output'));
  await env.execute('Keyed sums');
}
