package dev.spindle.bench.flink;

import java.util.HashMap;
import java.util.Map;

/** `--name value` pairs from the command line; the harness passes every required one. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            values.put(args[i].substring(2), args[i + 1]);
        }
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null) throw new IllegalArgumentException("missing --" + name);
        return value;
    }

    /** The value of an optional `--name`, or null when it was not given. */
    String optional(String name) {
        return values.get(name);
    }

    int intValue(String name) {
        return Integer.parseInt(required(name));
    }

    long longValue(String name) {
        return Long.parseLong(required(name));
    }
}
