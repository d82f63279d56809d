package dev.spindle.bench.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * WordCount as the benchmark runs it on Spindle, with Spark's Dataset API: whitespace-separated
 * words of a text file, counted per word, written as `word count` text lines.
 *
 * <pre>
 *   java --add-opens=... -cp ... dev.spindle.bench.spark.WordCount --input words.txt \
 *       --output out/ --master local[2]
 * </pre>
 *
 * Shuffle partitions are set to the number of local cores instead of Spark's default of 200,
 * as Spark's tuning guide suggests for a small local job. Prints `Job Runtime: n ms`: the sum
 * of the durations of the Spark jobs the program ran, from a {@link SparkListener}.
 */
public final class WordCount {
    private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\n\\x0B\\f\\r]+");

    public static void main(String[] argv) throws Exception {
        String input = null;
        String output = null;
        String master = null;
        for (int i = 0; i + 1 < argv.length; i += 2) {
            switch (argv[i]) {
                case "--input" -> input = argv[i + 1];
                case "--output" -> output = argv[i + 1];
                case "--master" -> master = argv[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + argv[i]);
            }
        }
        if (input == null || output == null || master == null) {
            throw new IllegalArgumentException("usage: --input file --output dir --master local[n]");
        }

        SparkSession spark = SparkSession.builder()
                .appName("WordCount")
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", String.valueOf(Runtime.getRuntime().availableProcessors()))
                .getOrCreate();
        JobTimes jobTimes = new JobTimes();
        spark.sparkContext().addSparkListener(jobTimes);

        Dataset<String> lines = spark.read().textFile(input);
        Dataset<String> words = lines.flatMap((FlatMapFunction<String, String>) WordCount::words, Encoders.STRING());
        Dataset<Row> counts = words.groupBy("value").count();
        counts.map((MapFunction<Row, String>) row -> row.getString(0) + " " + row.getLong(1), Encoders.STRING())
                .write()
                .text(output);

        // Stopping drains the listener bus, so every job's end event has been seen afterwards.
        spark.stop();
        System.out.println("Job Runtime: " + jobTimes.totalMillis() + " ms");
    }

    static java.util.Iterator<String> words(String line) {
        List<String> words = new ArrayList<>();
        for (String word : WHITESPACE.split(line)) {
            if (!word.isEmpty()) words.add(word);
        }
        return words.iterator();
    }

    /** Sums the time from each job's start event to its end event. */
    static final class JobTimes extends SparkListener {
        private final java.util.Map<Integer, Long> started = new java.util.HashMap<>();
        private long totalMillis;

        @Override
        public synchronized void onJobStart(SparkListenerJobStart jobStart) {
            started.put(jobStart.jobId(), jobStart.time());
        }

        @Override
        public synchronized void onJobEnd(SparkListenerJobEnd jobEnd) {
            Long start = started.remove(jobEnd.jobId());
            if (start != null) totalMillis += jobEnd.time() - start;
        }

        synchronized long totalMillis() {
            return totalMillis;
        }
    }
}
