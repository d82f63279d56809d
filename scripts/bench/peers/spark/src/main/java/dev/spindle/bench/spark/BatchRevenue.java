package dev.spindle.bench.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The batch benchmark's join + group-by with Spark's Dataset API: orders
 * (`orderId,customerId,amount`) joined with customers (`customerId,nation,segment`), then per
 * nation and segment the revenue and the order count, written as `nation,segment,revenue,orders`
 * text lines. Spark chooses the join strategy (a broadcast hash join when the customers are
 * below `spark.sql.autoBroadcastJoinThreshold`).
 *
 * <pre>
 *   java --add-opens=... -cp ... dev.spindle.bench.spark.BatchRevenue --orders orders.csv \
 *       --customers customers.csv --output out/ --master local[2]
 * </pre>
 */
public final class BatchRevenue {
    public static void main(String[] argv) throws Exception {
        Map<String, String> args = options(argv, "orders", "customers", "output", "master");
        SparkSession spark = session("BatchRevenue", args.get("master"));
        WordCount.JobTimes jobTimes = new WordCount.JobTimes();
        spark.sparkContext().addSparkListener(jobTimes);

        Dataset<Row> orders = spark.read().schema("id LONG, customer LONG, amount LONG").csv(args.get("orders"));
        Dataset<Row> customers = spark.read().schema("cid LONG, nation STRING, segment STRING").csv(args.get("customers"));
        orders.join(customers, col("customer").equalTo(col("cid")))
                .groupBy("nation", "segment")
                .agg(sum("amount").as("revenue"), count(lit(1)).as("orders"))
                .select(concat_ws(",", col("nation"), col("segment"), col("revenue"), col("orders")))
                .write()
                .text(args.get("output"));

        spark.stop();
        System.out.println("Job Runtime: " + jobTimes.totalMillis() + " ms");
    }

    /** `--name value` pairs; every one of `required` must be there. */
    static Map<String, String> options(String[] argv, String... required) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + argv[i]);
            values.put(argv[i].substring(2), argv[i + 1]);
        }
        for (String name : required) {
            if (!values.containsKey(name)) throw new IllegalArgumentException("missing --" + name);
        }
        return values;
    }

    /** A local session with the UI off and as many shuffle partitions as cores, as WordCount has. */
    static SparkSession session(String name, String master) {
        return SparkSession.builder()
                .appName(name)
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", String.valueOf(Runtime.getRuntime().availableProcessors()))
                .getOrCreate();
    }
}
