package dev.spindle.hadoop;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The launcher's command line: {@code --home DIR [--ha] [--port-base N] [--nm-memory-mb N]
 * [--nm-vcores N] [--yarn-site KEY=VALUE]...}. The home directory holds {@code conf/} (the
 * HADOOP_CONF_DIR the launcher writes), {@code data/} (every server's storage, emptied at start)
 * and {@code ready.json}. Each {@code --yarn-site} sets a YARN server property over the harness's
 * own settings (e.g. a short AMRM master-key rolling interval) and is written to yarn-site.xml.
 */
record HarnessOptions(
    File home, boolean ha, int portBase, int nmMemoryMb, int nmVcores, Map<String, String> yarnSite) {

  static final int DEFAULT_NM_MEMORY_MB = 8192;
  static final int DEFAULT_NM_VCORES = 8;

  File confDir() {
    return new File(home, "conf");
  }

  File dataDir() {
    return new File(home, "data");
  }

  File readyFile() {
    return new File(home, "ready.json");
  }

  static HarnessOptions parse(String[] args) {
    File home = null;
    boolean ha = false;
    int portBase = 0;
    int memory = DEFAULT_NM_MEMORY_MB;
    int vcores = DEFAULT_NM_VCORES;
    Map<String, String> yarnSite = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--home" -> home = new File(value(args, ++i, "--home")).getAbsoluteFile();
        case "--ha" -> ha = true;
        case "--port-base" -> portBase = number(args, ++i, "--port-base");
        case "--nm-memory-mb" -> memory = number(args, ++i, "--nm-memory-mb");
        case "--nm-vcores" -> vcores = number(args, ++i, "--nm-vcores");
        case "--yarn-site" -> {
          String property = value(args, ++i, "--yarn-site");
          int eq = property.indexOf('=');
          if (eq <= 0) throw new HarnessException("--yarn-site needs KEY=VALUE, not " + property);
          yarnSite.put(property.substring(0, eq).trim(), property.substring(eq + 1).trim());
        }
        default -> throw new HarnessException("unknown argument " + args[i]);
      }
    }
    if (home == null) throw new HarnessException("--home DIR is required");
    return new HarnessOptions(home, ha, portBase, memory, vcores, Map.copyOf(yarnSite));
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new HarnessException(flag + " needs a value");
    return args[i];
  }

  private static int number(String[] args, int i, String flag) {
    try {
      return Integer.parseInt(value(args, i, flag));
    } catch (NumberFormatException e) {
      throw new HarnessException(flag + " needs a number, not " + args[i]);
    }
  }
}
