package dev.spindle.hadoop;

import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.util.VersionInfo;
import sun.misc.Signal;

/**
 * A single-node Hadoop for Spindle's tests, in this one JVM: HDFS (MiniDFSCluster) and YARN
 * (MiniYARNCluster) on 127.0.0.1. Started by {@code integration/hadoop/harness.ts}, which reads
 * {@code ready.json} from the home directory once everything answers. Output goes to stderr (the
 * log file); the line {@code HARNESS_FAILED <message>} says why a start failed.
 *
 * <p>Stops on the control command {@code stop} or on SIGTERM; either way the NodeManager kills its
 * containers before the servers go down.
 */
public final class HarnessMain {
  private static final long STOP_TIMEOUT_MS = 60_000;

  private final HarnessOptions options;
  private final DfsHarness dfs;
  private final YarnHarness yarn = new YarnHarness();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile ControlServer control;
  private boolean stopped;

  private HarnessMain(HarnessOptions options) {
    this.options = options;
    this.dfs = new DfsHarness(options.ha());
  }

  public static void main(String[] args) {
    HarnessMain harness = null;
    try {
      harness = new HarnessMain(HarnessOptions.parse(args));
      harness.run();
      System.exit(0);
    } catch (HarnessException e) {
      failed(harness, e.getMessage(), e.getCause());
    } catch (Throwable e) {
      failed(harness, describe(e), e);
    }
  }

  private void run() throws Exception {
    long started = System.currentTimeMillis();
    prepareDirectories();
    System.setProperty("test.build.data", new File(options.dataDir(), "yarn").getAbsolutePath());
    // SIGTERM and SIGINT stop the servers in order on the main thread, as the stop command does;
    // the shutdown hook only covers an exit from elsewhere.
    for (String signal : List.of("TERM", "INT")) {
      Signal.handle(new Signal(signal), s -> stopRequested.countDown());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "harness-shutdown"));
    List<String> portNames = new ArrayList<>(YarnHarness.portNames());
    portNames.addAll(DfsHarness.portNames(options.ha()));
    Ports ports = Ports.choose(options.portBase(), portNames);
    ConfFiles.writeCapacityScheduler(options.confDir());
    log("starting HDFS" + (options.ha() ? " (HA nameservice " + DfsHarness.NAMESERVICE + ")" : ""));
    dfs.start(new File(options.dataDir(), "dfs"), ports);
    log("starting YARN");
    yarn.start(dfs.conf(), ports, options);
    ConfFiles.writeSiteFiles(options.confDir(), dfs, yarn);
    control = ControlServer.start(this::command);
    writeReadyFile();
    log("HARNESS_READY in " + (System.currentTimeMillis() - started) + " ms");
    stopRequested.await();
    stopAll();
  }

  /**
   * Every start begins from empty storage and an empty conf directory. The conf directory itself
   * stays: it is on the classpath, and the JVM ignores classpath directories missing at its start.
   */
  private void prepareDirectories() throws IOException {
    options.readyFile().delete();
    FileUtil.fullyDelete(options.dataDir());
    if (!options.dataDir().mkdirs()) {
      throw new HarnessException("cannot create " + options.dataDir());
    }
    if (!options.confDir().isDirectory() || !FileUtil.fullyDeleteContents(options.confDir())) {
      throw new HarnessException(
          "the conf directory " + options.confDir() + " must exist and be writable");
    }
  }

  private Object command(String command) {
    return switch (command) {
      case "status" -> Json.object("nameNodes", dfs.nameNodeHealth());
      case "failover" -> failover();
      case "stop" -> {
        stopRequested.countDown();
        yield Json.object("stopping", true);
      }
      default -> throw new HarnessException("unknown command " + command);
    };
  }

  private Object failover() {
    try {
      String active = dfs.failover();
      writeReadyFile();
      log("NameNode " + active + " is active");
      return Json.object("active", active, "nameNodes", dfs.nameNodes());
    } catch (IOException e) {
      throw new HarnessException("failover failed: " + describe(e), e);
    }
  }

  private Map<String, Object> describeCluster() {
    return Json.object(
        "pid", ProcessHandle.current().pid(),
        "hadoopVersion", VersionInfo.getVersion(),
        "ha", options.ha(),
        "user", System.getProperty("user.name"),
        "home", options.home().getPath(),
        "confDir", options.confDir().getPath(),
        "dataDir", options.dataDir().getPath(),
        "controlPort", control.port(),
        "defaultFS", dfs.defaultFs(),
        "nameservice", options.ha() ? DfsHarness.NAMESERVICE : null,
        "resourceManager", yarn.resourceManager(),
        "nodeManager", yarn.nodeManager(),
        "nameNodes", dfs.nameNodes(),
        "dataNodes", dfs.dataNodes(),
        "queues", ConfFiles.QUEUES);
  }

  private void writeReadyFile() throws IOException {
    ConfFiles.writeAtomically(options.readyFile(), Json.write(describeCluster()) + "\n");
  }

  /** Idempotent; bounded: a stop that hangs for a minute ends the JVM anyway. */
  private synchronized void stopAll() {
    if (stopped) return;
    stopped = true;
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(STOP_TIMEOUT_MS);
                log("stopping took over " + STOP_TIMEOUT_MS + " ms; halting");
                Runtime.getRuntime().halt(2);
              } catch (InterruptedException e) {
                // stopped in time
              }
            },
            "harness-stop-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    log("stopping");
    if (control != null) control.close();
    options.readyFile().delete();
    stopQuietly("YARN", yarn::stop);
    stopQuietly("HDFS", dfs::stop);
    log("stopped");
    watchdog.interrupt();
  }

  private static void stopQuietly(String what, Runnable stop) {
    try {
      stop.run();
    } catch (RuntimeException e) {
      log("stopping " + what + " failed", e);
    }
  }

  private static void failed(HarnessMain harness, String message, Throwable cause) {
    if (cause != null) log("start failed", cause);
    if (harness != null) harness.stopAll();
    System.err.println("HARNESS_FAILED " + message);
    System.err.flush();
    Runtime.getRuntime().halt(1);
  }

  /** The root cause in one line; a port taken between choosing and binding is named as such. */
  static String describe(Throwable e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return "a port was taken by another process while Hadoop started (" + t.getMessage()
            + "); start again";
      }
      root = t;
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  static void log(String message) {
    System.err.println(LocalTime.now() + " harness: " + message);
  }

  static void log(String message, Throwable e) {
    log(message + ": " + e);
    e.printStackTrace();
  }
}
