import { Order, StreamExecutionEnvironment } from '@spindle/datastream';

/** A BATCH sort of a rate-limited bounded generator: it spills long before its input ends (for the cancel test). */
export async function main(): Promise<void> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode('BATCH');
  env
    .fromDataGenerator((i) => [(i * 7919) % 100_003, `record-${i}-${'x'.repeat(40)}`], { count: 10_000_000, recordsPerSecond: 50_000 })
    .fullWindowPartition()
    .sortPartition(0, Order.ASCENDING)
    .name('Slow Sort')
    .addSink(() => undefined);
  await env.execute('Slow sort');
}
