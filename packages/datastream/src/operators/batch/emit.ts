import type { OperatorContext, Output } from '@spindle/runtime/task';

/** Records emitted between two looks at the outputs' room. */
const BATCH = 256;

/**
 * Emits `records` (the results of a sort, merge or join at the end of input), waiting whenever
 * the task's outputs are full, so that they are not buffered without bound, and stopping when the
 * task is cancelled (the generator's cleanup then removes its spill files).
 */
export async function emitAll(ctx: OperatorContext, out: Output, records: Iterable<unknown>): Promise<void> {
  let n = 0;
  for (const record of records) {
    out.collect(record);
    if (++n % BATCH !== 0) continue;
    const wait = ctx.whenOutputAvailable?.();
    if (wait !== undefined) await wait;
    if (ctx.signal.aborted) return;
  }
}
