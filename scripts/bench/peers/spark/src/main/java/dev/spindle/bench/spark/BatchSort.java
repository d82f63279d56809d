package dev.spindle.bench.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The batch benchmark's sort with Spark's Dataset API: the lines of a text file in byte order
 * (`sort("value")`, a global sort by range partitioning into as many partitions as cores), written
 * as text files whose concatenation in name order is the sorted file.
 *
 * <pre>
 *   java --add-opens=... -cp ... dev.spindle.bench.spark.BatchSort --input records.txt \
 *       --output out/ --master local[2]
 * </pre>
 *
 * Prints `Job Runtime: n ms` as {@link WordCount} does.
 */
public final class BatchSort {
    public static void main(String[] argv) throws Exception {
        java.util.Map<String, String> args = BatchRevenue.options(argv, "input", "output", "master");
        SparkSession spark = BatchRevenue.session("BatchSort", args.get("master"));
        WordCount.JobTimes jobTimes = new WordCount.JobTimes();
        spark.sparkContext().addSparkListener(jobTimes);

        spark.read().textFile(args.get("input")).sort("value").write().text(args.get("output"));

        spark.stop();
        System.out.println("Job Runtime: " + jobTimes.totalMillis() + " ms");
    }
}
