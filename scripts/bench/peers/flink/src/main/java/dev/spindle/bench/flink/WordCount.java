package dev.spindle.bench.flink;

import java.time.Duration;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.util.Collector;

/**
 * WordCount as the benchmark runs it on Spindle: whitespace-separated words of a text file,
 * counted per word, written as `word count` lines.
 *
 * <pre>
 *   java -cp ... dev.spindle.bench.flink.WordCount --input words.txt --output out/ \
 *       --mode BATCH --parallelism 2
 * </pre>
 *
 * In BATCH mode only the final count of each word is written; in STREAMING mode every update.
 * The FileSink commits its files on checkpoints in STREAMING mode, so that mode checkpoints
 * (the final checkpoint after the input ends commits the last files). Prints `Job Runtime: n ms`
 * from {@link JobExecutionResult#getNetRuntime()}.
 */
public final class WordCount {
    private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\n\\x0B\\f\\r]+");
    private static final Duration STREAMING_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        RuntimeExecutionMode mode = RuntimeExecutionMode.valueOf(args.required("mode"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(args.intValue("parallelism"));
        env.setRuntimeMode(mode);
        if (mode == RuntimeExecutionMode.STREAMING) {
            env.enableCheckpointing(STREAMING_CHECKPOINT_INTERVAL.toMillis());
        }

        FileSource<String> source =
                FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(args.required("input")))
                        .build();
        FileSink<String> sink =
                FileSink.forRowFormat(new Path(args.required("output")), new SimpleStringEncoder<String>("UTF-8"))
                        .withBucketAssigner(new BasePathBucketAssigner<>())
                        .build();

        DataStream<String> lines = env.fromSource(source, WatermarkStrategy.noWatermarks(), "Text File");
        lines.flatMap(new Tokenizer())
                .name("Tokenizer")
                .keyBy(pair -> pair.f0)
                .sum(1)
                .name("Counter")
                .map(pair -> pair.f0 + " " + pair.f1)
                .name("Format")
                .sinkTo(sink)
                .name("Word Counts");

        JobExecutionResult result = env.execute("WordCount");
        System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    }

    /** Splits a line on whitespace into (word, 1) pairs. */
    static final class Tokenizer implements FlatMapFunction<String, Tuple2<String, Integer>> {
        @Override
        public void flatMap(String line, Collector<Tuple2<String, Integer>> out) {
            for (String word : WHITESPACE.split(line)) {
                if (!word.isEmpty()) out.collect(Tuple2.of(word, 1));
            }
        }
    }
}
