/**
 * The batch benchmark's sort (the same work as the peers' BatchSort and GNU `sort` with
 * LC_ALL=C): the lines of `--input` in code-unit order, which for its ASCII lines is byte
 * order, as one sorted file: a global sort, `fullWindowPartition().sortPartition()` at
 * parallelism 1 after the file is read at the job's parallelism. The sort spills sorted runs to
 * `io.tmp.dirs` beyond its managed memory (`taskmanager.memory.managed.size`).
 *
 *   spindle run -p 2 -Dexecution.runtime-mode=BATCH -Dtaskmanager.memory.managed.size=64mb \
 *       scripts/bench/jobs/batch-sort.ts --input records.txt --output out/
 */
import { FileSystem, Order, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .readTextFile(params.getRequired('input'))
    .fullWindowPartition()
    .sortPartition((line) => line, Order.ASCENDING)
    .name('Sort')
    .setParallelism(1)
    .writeAsText(params.getRequired('output'), FileSystem.WriteMode.OVERWRITE)
    .setParallelism(1);
  await env.execute('Batch sort');
}
