package dev.spindle.hadoop;

import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.Context;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNode;

/**
 * YARN: Hadoop's MiniYARNCluster with one ResourceManager and one NodeManager that launches
 * containers as local processes (DefaultContainerExecutor). The ResourceManager listens on fixed
 * 127.0.0.1 ports chosen beforehand, so every address it hands out (tracking URLs, the scheduler
 * address AMs use) is the one in the written yarn-site.xml. The queues come from the
 * capacity-scheduler.xml in the conf directory, which is first on the launcher's classpath.
 */
final class YarnHarness {
  /** The ResourceManager's address keys and the ports they listen on. */
  private static final Map<String, String> ADDRESS_KEYS =
      Map.of(
          YarnConfiguration.RM_ADDRESS, "ResourceManager RPC",
          YarnConfiguration.RM_SCHEDULER_ADDRESS, "ResourceManager scheduler",
          YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, "ResourceManager resource tracker",
          YarnConfiguration.RM_ADMIN_ADDRESS, "ResourceManager admin",
          YarnConfiguration.RM_WEBAPP_ADDRESS, "ResourceManager web");

  /** Keys copied from the running ResourceManager's configuration into yarn-site.xml. */
  private static final List<String> SCHEDULER_KEYS =
      List.of(
          YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB,
          YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB,
          YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_VCORES,
          YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES,
          YarnConfiguration.RM_AM_MAX_ATTEMPTS,
          YarnConfiguration.RM_AM_EXPIRY_INTERVAL_MS,
          YarnConfiguration.NM_VCORES);

  private static final long NODE_WAIT_MS = 60_000;

  private MiniYARNCluster cluster;
  private Ports ports;
  private int nmMemoryMb;
  private Map<String, String> yarnSite = Map.of();

  static List<String> portNames() {
    return List.of(
        "ResourceManager RPC",
        "ResourceManager scheduler",
        "ResourceManager resource tracker",
        "ResourceManager admin",
        "ResourceManager web");
  }

  /** Starts the cluster with {@code dfsConf} as its base, so containers localize from this HDFS. */
  void start(Configuration dfsConf, Ports ports, HarnessOptions options)
      throws InterruptedException {
    this.ports = ports;
    this.nmMemoryMb = options.nmMemoryMb();
    YarnConfiguration conf = new YarnConfiguration(dfsConf);
    conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    conf.set(YarnConfiguration.RM_HOSTNAME, Ports.HOST);
    ADDRESS_KEYS.forEach((key, port) -> conf.set(key, ports.address(port)));
    // MiniYARNCluster gives the NodeManager "localhost:0" addresses; listen on 127.0.0.1 only.
    conf.set(YarnConfiguration.NM_BIND_HOST, Ports.HOST);
    // MiniYARNCluster copies this key onto yarn.nodemanager.resource.memory-mb.
    conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, options.nmMemoryMb());
    conf.setInt(YarnConfiguration.NM_VCORES, options.nmVcores());
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, options.nmMemoryMb());
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, options.nmVcores());
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    // Shared machines run with full disks; an unhealthy node would never get containers.
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.9f);
    // A hung AM fails its test in half a minute rather than fifteen.
    conf.setInt(YarnConfiguration.RM_AM_EXPIRY_INTERVAL_MS, 30_000);
    // Keep finished containers' directories (launch scripts, logs) for ten minutes to debug.
    conf.setInt(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 600);
    // What the caller asked for (--yarn-site) over the settings above.
    yarnSite = options.yarnSite();
    yarnSite.forEach(conf::set);
    cluster = new MiniYARNCluster("spindle", 1, 1, 1);
    cluster.init(conf);
    cluster.start();
    waitForRunningNode();
  }

  /** MiniYARNCluster only logs when the NodeManager does not register; fail instead. */
  private void waitForRunningNode() throws InterruptedException {
    long deadline = System.currentTimeMillis() + NODE_WAIT_MS;
    while (runningNodes() < 1) {
      if (System.currentTimeMillis() > deadline) {
        throw new HarnessException(
            "the NodeManager did not register with the ResourceManager in 60 s");
      }
      Thread.sleep(100);
    }
  }

  private long runningNodes() {
    return cluster.getResourceManager().getRMContext().getRMNodes().values().stream()
        .map(RMNode::getState)
        .filter(NodeState.RUNNING::equals)
        .count();
  }

  /**
   * The client side of yarn-site.xml. The addresses are the 127.0.0.1 ones the servers listen on:
   * the running configuration says {@code localhost} instead, since each RPC server writes back
   * its bound address under the name that 127.0.0.1 resolves to. The NodeManager's memory is the
   * minicluster key's value, which only the NodeManager's own copy of the configuration holds.
   * The properties given with --yarn-site are written too, so clients can see how the servers run.
   */
  Configuration clientConf() {
    Configuration site = new Configuration(false);
    site.set(YarnConfiguration.RM_HOSTNAME, Ports.HOST);
    ADDRESS_KEYS.forEach((key, port) -> site.set(key, ports.address(port)));
    for (String key : SCHEDULER_KEYS) site.set(key, cluster.getConfig().get(key));
    site.setInt(YarnConfiguration.NM_PMEM_MB, nmMemoryMb);
    yarnSite.forEach(site::set);
    return site;
  }

  Map<String, Object> resourceManager() {
    return Json.object(
        "web", ports.address("ResourceManager web"),
        "address", ports.address("ResourceManager RPC"),
        "scheduler", ports.address("ResourceManager scheduler"),
        "resourceTracker", ports.address("ResourceManager resource tracker"),
        "admin", ports.address("ResourceManager admin"));
  }

  Map<String, Object> nodeManager() {
    Context context = cluster.getNodeManager(0).getNMContext();
    NodeId id = context.getNodeId();
    return Json.object(
        "nodeId", id.toString(),
        "http", id.getHost() + ":" + context.getHttpPort(),
        "memoryMb", nmMemoryMb,
        "vcores", cluster.getConfig().getInt(YarnConfiguration.NM_VCORES, 0));
  }

  /** Stops the NodeManager first, which kills its containers, then the ResourceManager. */
  void stop() {
    if (cluster != null) cluster.stop();
  }
}
