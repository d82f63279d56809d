package dev.spindle.bench.flink;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The batch benchmark's sort, as Spindle's `jobs/batch-sort.ts` does it: the lines of a file read
 * at the given parallelism, then a global sort at parallelism 1 (`fullWindowPartition()
 * .sortPartition()` by the whole line, String order, which is byte order for the ASCII input),
 * written to `output/part-0`. BATCH mode; the MiniCluster's managed memory is set to
 * `--managed-memory-mb`, the memory Spindle and GNU sort get.
 *
 * <pre>
 *   java -cp ... dev.spindle.bench.flink.BatchSort --input records.txt --output out/ \
 *       --parallelism 2 --managed-memory-mb 64
 * </pre>
 */
public final class BatchSort {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(managedMemory(args));
        env.setParallelism(args.intValue("parallelism"));
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);

        FileSource<String> source =
                FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(args.required("input"))).build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "Text File")
                .global()
                .fullWindowPartition()
                .sortPartition((KeySelector<String, String>) line -> line, Order.ASCENDING)
                .name("Sort")
                .setParallelism(1)
                .sinkTo(new LineFileSink(args.required("output")))
                .name("Sorted")
                .setParallelism(1);

        JobExecutionResult result = env.execute("Batch sort");
        System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    }

    /** The local MiniCluster's configuration with `--managed-memory-mb` of managed memory. */
    static Configuration managedMemory(Args args) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(args.intValue("managed-memory-mb")));
        return conf;
    }
}
