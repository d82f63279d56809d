package dev.spindle.hadoop;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * The HADOOP_CONF_DIR clients and containers read: core-site.xml, hdfs-site.xml and yarn-site.xml
 * with the real addresses, written after the servers are up and before anything can be
 * submitted, and capacity-scheduler.xml, written before the ResourceManager starts (it reads the
 * file from its classpath). Each file is written to a temporary name and renamed, so a reader
 * never sees half a file.
 */
final class ConfFiles {
  static final List<String> QUEUES = List.of("default", "secondary");

  private ConfFiles() {}

  /**
   * Queues {@code default} (75 %) and {@code secondary} (25 %), both able to grow to the whole
   * cluster; AMs may use all of a queue, so several applications run at once.
   */
  static void writeCapacityScheduler(File confDir) throws IOException {
    Configuration conf = new Configuration(false);
    String root = "yarn.scheduler.capacity.root";
    conf.set(root + ".queues", String.join(",", QUEUES));
    conf.set(
        "yarn.scheduler.capacity.resource-calculator",
        "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
    conf.set("yarn.scheduler.capacity.maximum-applications", "10000");
    conf.set("yarn.scheduler.capacity.node-locality-delay", "-1");
    Map<String, String> capacities = Map.of("default", "75", "secondary", "25");
    for (String queue : QUEUES) {
      String prefix = root + "." + queue;
      conf.set(prefix + ".capacity", capacities.get(queue));
      conf.set(prefix + ".maximum-capacity", "100");
      conf.set(prefix + ".user-limit-factor", "4");
      conf.set(prefix + ".state", "RUNNING");
      conf.set(prefix + ".acl_submit_applications", "*");
      conf.set(prefix + ".acl_administer_queue", "*");
    }
    write(conf, new File(confDir, "capacity-scheduler.xml"));
  }

  static void writeSiteFiles(File confDir, DfsHarness dfs, YarnHarness yarn) throws IOException {
    Configuration core = new Configuration(false);
    core.set(FileSystem.FS_DEFAULT_NAME_KEY, dfs.defaultFs());
    write(core, new File(confDir, "core-site.xml"));
    write(hdfsSite(dfs), new File(confDir, "hdfs-site.xml"));
    write(yarn.clientConf(), new File(confDir, "yarn-site.xml"));
  }

  private static Configuration hdfsSite(DfsHarness dfs) {
    Configuration conf = new Configuration(false);
    conf.set("dfs.replication", "1");
    List<Map<String, Object>> nameNodes = dfs.nameNodes();
    if (!dfs.ha()) {
      conf.set("dfs.namenode.rpc-address", (String) nameNodes.get(0).get("rpc"));
      conf.set("dfs.namenode.http-address", (String) nameNodes.get(0).get("http"));
      return conf;
    }
    String ns = DfsHarness.NAMESERVICE;
    conf.set("dfs.nameservices", ns);
    conf.set("dfs.ha.namenodes." + ns, String.join(",", DfsHarness.NAMENODE_IDS));
    for (Map<String, Object> nn : nameNodes) {
      conf.set("dfs.namenode.rpc-address." + ns + "." + nn.get("id"), (String) nn.get("rpc"));
      conf.set("dfs.namenode.http-address." + ns + "." + nn.get("id"), (String) nn.get("http"));
    }
    String provider = "dfs.client.failover.proxy.provider." + ns;
    conf.set(provider, dfs.conf().get(provider));
    return conf;
  }

  private static void write(Configuration conf, File file) throws IOException {
    File temp = new File(file.getParentFile(), "." + file.getName() + ".tmp");
    try (OutputStream out = new FileOutputStream(temp)) {
      conf.writeXml(out);
    }
    Files.move(temp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes {@code text} to {@code file} through a temporary file and a rename. */
  static void writeAtomically(File file, String text) throws IOException {
    File temp = new File(file.getParentFile(), "." + file.getName() + ".tmp");
    Files.writeString(temp.toPath(), text, StandardCharsets.UTF_8);
    Files.move(temp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
  }
}
