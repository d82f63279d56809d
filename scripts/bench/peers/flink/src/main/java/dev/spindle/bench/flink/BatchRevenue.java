package dev.spindle.bench.flink;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.JoinFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;

/**
 * The batch benchmark's join + group-by, as Spindle's `jobs/batch-revenue.ts` does it: orders
 * (`orderId,customerId,amount`) joined with customers (`customerId,nation,segment`) over the
 * whole bounded input (`join().window(GlobalWindows.createWithEndOfStreamTrigger())`, a window
 * that fires once at the end of input), then per nation and segment the revenue and the order
 * count, written as `nation,segment,revenue,orders` lines. BATCH mode, the MiniCluster's managed
 * memory set to `--managed-memory-mb`.
 *
 * <pre>
 *   java -cp ... dev.spindle.bench.flink.BatchRevenue --orders orders.csv --customers customers.csv \
 *       --output out/ --parallelism 2 --managed-memory-mb 64
 * </pre>
 */
public final class BatchRevenue {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(BatchSort.managedMemory(args));
        env.setParallelism(args.intValue("parallelism"));
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);

        DataStream<Tuple2<Long, Long>> orders = lines(env, args.required("orders"), "Orders")
                .map((MapFunction<String, Tuple2<Long, Long>>) line -> {
                    int first = line.indexOf(',');
                    int second = line.indexOf(',', first + 1);
                    return Tuple2.of(Long.parseLong(line.substring(first + 1, second)), Long.parseLong(line.substring(second + 1)));
                })
                .returns(Types.TUPLE(Types.LONG, Types.LONG))
                .name("Parse Orders");
        DataStream<Tuple2<Long, String>> customers = lines(env, args.required("customers"), "Customers")
                .map((MapFunction<String, Tuple2<Long, String>>) line -> {
                    int comma = line.indexOf(',');
                    return Tuple2.of(Long.parseLong(line.substring(0, comma)), line.substring(comma + 1));
                })
                .returns(Types.TUPLE(Types.LONG, Types.STRING))
                .name("Parse Customers");

        orders.join(customers)
                .where(o -> o.f0, Types.LONG)
                .equalTo(c -> c.f0)
                .window(GlobalWindows.createWithEndOfStreamTrigger())
                .apply(
                        (JoinFunction<Tuple2<Long, Long>, Tuple2<Long, String>, Tuple3<String, Long, Long>>)
                                (o, c) -> Tuple3.of(c.f1, o.f1, 1L),
                        Types.TUPLE(Types.STRING, Types.LONG, Types.LONG))
                .keyBy(r -> r.f0, Types.STRING)
                .reduce((a, b) -> Tuple3.of(a.f0, a.f1 + b.f1, a.f2 + b.f2))
                .name("Revenue")
                .map((MapFunction<Tuple3<String, Long, Long>, String>) r -> r.f0 + "," + r.f1 + "," + r.f2)
                .returns(Types.STRING)
                .sinkTo(new LineFileSink(args.required("output")))
                .name("Revenue lines");

        JobExecutionResult result = env.execute("Batch revenue");
        System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    }

    private static DataStream<String> lines(StreamExecutionEnvironment env, String file, String name) {
        FileSource<String> source = FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(file)).build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), name);
    }
}
