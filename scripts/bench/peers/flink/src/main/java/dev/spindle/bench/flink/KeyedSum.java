package dev.spindle.bench.flink;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The keyed job of the cluster shuffle benchmark: a generator of `records` records (i mod 1000,
 * i, 1) for i in 0..records-1, keyed by i mod 1000, reduced per key to (key, sum of i, count),
 * in STREAMING mode so that every record crosses the keyed exchange and updates the state. Only
 * each key's last update (its count reaching the number of records of that key) goes on, so the
 * output is 1000 `key sum count` lines, collected to the client and written to `output`.
 *
 * <pre>
 *   java -cp ... dev.spindle.bench.flink.KeyedSum --records 10000000 --output sums.txt \
 *       --parallelism 2 --taskmanagers 2
 * </pre>
 *
 * The local MiniCluster gets `taskmanagers` TaskManagers with parallelism / taskmanagers slots
 * each, so at parallelism 2 on two TaskManagers half of the records cross between them over
 * Flink's Netty data plane.
 */
public final class KeyedSum {
    private static final int KEYS = 1000;

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        long records = args.longValue("records");
        int parallelism = args.intValue("parallelism");
        int taskManagers = args.intValue("taskmanagers");

        Configuration conf = new Configuration();
        conf.set(ConfigOptions.key("minicluster.number-of-taskmanagers").intType().noDefaultValue(), taskManagers);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(1, parallelism / taskManagers));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);

        DataGeneratorSource<Tuple3<Long, Long, Long>> source = new DataGeneratorSource<>(
                i -> Tuple3.of(i % KEYS, i, 1L), records, Types.TUPLE(Types.LONG, Types.LONG, Types.LONG));
        CloseableIterator<String> sums = env.fromSource(source, WatermarkStrategy.noWatermarks(), "Data Generator")
                .keyBy(record -> record.f0)
                .reduce((a, b) -> Tuple3.of(a.f0, a.f1 + b.f1, a.f2 + b.f2))
                .name("Sum")
                .filter(sum -> sum.f2 == recordsOfKey(sum.f0, records))
                .name("Last Update")
                .map(sum -> sum.f0 + " " + sum.f1 + " " + sum.f2)
                .name("Format")
                .collectAsync();

        JobClient client = env.executeAsync("Keyed sums");
        try (BufferedWriter out = Files.newBufferedWriter(Paths.get(args.required("output")), StandardCharsets.UTF_8)) {
            while (sums.hasNext()) {
                out.write(sums.next());
                out.newLine();
            }
        }
        sums.close();
        JobExecutionResult result = client.getJobExecutionResult().get();
        System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    }

    /** How many of the records 0..records-1 have key `key`. */
    static long recordsOfKey(long key, long records) {
        return records / KEYS + (key < records % KEYS ? 1 : 0);
    }
}
