import { StreamExecutionEnvironment } from '@spindle/datastream';

/** A job that fails on its second record: the YARN tests' failing application. */
export async function main(): Promise<void> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromElements(1, 2, 3)
    .map((n: number): number => {
      if (n === 2) throw new Error('bad record 2');
      return n;
    })
    .print();
  await env.execute('Failing job');
}
