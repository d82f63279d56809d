package dev.spindle.bench.flink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes each string as a line to `directory/part-<subtask>` on the local file system, for
 * checking a job's results. Unlike FileSink it needs no checkpoints to make its files final in
 * STREAMING mode: a subtask's file is complete when the subtask finishes.
 */
final class LineFileSink implements Sink<String> {
    private final String directory;

    LineFileSink(String directory) {
        this.directory = directory;
    }

    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) throws IOException {
        Path dir = Paths.get(directory);
        Files.createDirectories(dir);
        Path file = dir.resolve("part-" + context.getTaskInfo().getIndexOfThisSubtask());
        return new Writer(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    private static final class Writer implements SinkWriter<String> {
        private final BufferedWriter out;

        Writer(BufferedWriter out) {
            this.out = out;
        }

        @Override
        public void write(String line, Context context) throws IOException {
            out.write(line);
            out.newLine();
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
