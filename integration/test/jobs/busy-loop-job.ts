import { StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * Two pipelines in two slots: one map spins forever and ignores cancellation, the other throws
 * on its first record, so the job fails while a task cannot be cancelled.
 */
export async function main(): Promise<void> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromElements(1)
    .map((x: number): number => {
      for (;;) if (x < 0) return x;
    })
    .name('Busy Loop')
    .print();
  env
    .fromElements(2)
    .slotSharingGroup('other')
    .map((x: number): number => {
      throw new Error(`boom on ${x}`);
    })
    .name('Thrower')
    .slotSharingGroup('other')
    .print()
    .slotSharingGroup('other');
  await env.execute('Busy loop and a failure');
}
