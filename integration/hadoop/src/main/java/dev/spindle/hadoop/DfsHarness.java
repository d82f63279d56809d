package dev.spindle.hadoop;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.hdfs.server.datanode.DataNode;
import org.apache.hadoop.hdfs.server.namenode.NameNode;
import org.apache.hadoop.hdfs.client.HdfsClientConfigKeys;
import org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider;
import org.apache.hadoop.hdfs.server.namenode.ha.HATestUtil;

/**
 * HDFS: Hadoop's MiniDFSCluster with one DataNode and either one NameNode or an HA nameservice
 * {@code ns1} of two NameNodes {@code nn1}, {@code nn2} sharing an edits directory. All servers
 * listen on 127.0.0.1 (MiniDFSCluster forces the DataNode's addresses and host name to it; the
 * NameNode ports are the fixed ones given).
 */
final class DfsHarness {
  static final String NAMESERVICE = "ns1";
  static final List<String> NAMENODE_IDS = List.of("nn1", "nn2");

  private final boolean ha;
  private MiniDFSCluster cluster;
  private Configuration conf;

  DfsHarness(boolean ha) {
    this.ha = ha;
  }

  /** The port names this cluster needs, in the order {@link Ports#choose} reserves them. */
  static List<String> portNames(boolean ha) {
    List<String> names = new ArrayList<>();
    for (String id : ha ? NAMENODE_IDS : List.of("nn")) {
      names.add("NameNode " + id + " RPC");
      names.add("NameNode " + id + " HTTP");
    }
    return names;
  }

  /** Formats and starts HDFS under {@code baseDir}; with HA, nn1 is made active. */
  void start(File baseDir, Ports ports) throws IOException {
    conf = new HdfsConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.getAbsolutePath());
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    conf.setBoolean(DFSConfigKeys.DFS_PERMISSIONS_ENABLED_KEY, true);
    if (ha) {
      // As in a real HA cluster, the NameNodes name the nameservice to clients (WebHDFS redirects
      // carry namenoderpcaddress=ns1) and the DataNode fails over between them like any client.
      conf.set(FileSystem.FS_DEFAULT_NAME_KEY, "hdfs://" + NAMESERVICE);
      conf.set(
          HdfsClientConfigKeys.Failover.PROXY_PROVIDER_KEY_PREFIX + "." + NAMESERVICE,
          ConfiguredFailoverProxyProvider.class.getName());
    }
    MiniDFSCluster.Builder builder =
        new MiniDFSCluster.Builder(conf, baseDir)
            .numDataNodes(1)
            .format(true)
            .checkExitOnShutdown(false)
            .nnTopology(topology(ports));
    cluster = builder.build();
    if (ha) {
      // Both NameNodes come up standby.
      cluster.transitionToActive(0);
      HATestUtil.setFailoverConfigurations(cluster, conf, NAMESERVICE);
      conf.set(FileSystem.FS_DEFAULT_NAME_KEY, "hdfs://" + NAMESERVICE);
    }
    cluster.waitActive();
    createSharedDirectories();
  }

  private MiniDFSNNTopology topology(Ports ports) {
    if (!ha) {
      return MiniDFSNNTopology.simpleSingleNN(
          ports.get("NameNode nn RPC"), ports.get("NameNode nn HTTP"));
    }
    MiniDFSNNTopology.NSConf nameservice = new MiniDFSNNTopology.NSConf(NAMESERVICE);
    for (String id : NAMENODE_IDS) {
      nameservice.addNN(
          new MiniDFSNNTopology.NNConf(id)
              .setIpcPort(ports.get("NameNode " + id + " RPC"))
              .setHttpPort(ports.get("NameNode " + id + " HTTP")));
    }
    return new MiniDFSNNTopology().addNameservice(nameservice);
  }

  /**
   * {@code /tmp} and {@code /user} are world-writable (sticky) so that tests acting as any
   * {@code user.name} can create their own directories; everything else belongs to the NameNode's
   * user, the HDFS superuser.
   */
  private void createSharedDirectories() throws IOException {
    FileSystem fs = FileSystem.get(URI.create(defaultFs()), conf);
    for (String dir : List.of("/tmp", "/user")) {
      fs.mkdirs(new Path(dir));
      fs.setPermission(new Path(dir), new FsPermission((short) 01777));
    }
  }

  /** The DFS client configuration YARN is built from (fs.defaultFS, HA failover keys). */
  Configuration conf() {
    return conf;
  }

  String defaultFs() {
    if (ha) return "hdfs://" + NAMESERVICE;
    return "hdfs://" + hostPort(cluster.getNameNode(0).getNameNodeAddress());
  }

  boolean ha() {
    return ha;
  }

  /** One entry per NameNode: id, rpc and http address, HA state. */
  List<Map<String, Object>> nameNodes() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < (ha ? NAMENODE_IDS.size() : 1); i++) {
      NameNode nn = cluster.getNameNode(i);
      list.add(
          Json.object(
              "id", ha ? NAMENODE_IDS.get(i) : "nn",
              "rpc", hostPort(nn.getNameNodeAddress()),
              "http", hostPort(nn.getHttpAddress()),
              "state", nn.isActiveState() ? "active" : "standby"));
    }
    return list;
  }

  /**
   * Each NameNode's own view of itself: HA state, safe mode, live DataNodes. (Its JMX servlet
   * cannot tell: the NameNodes of one JVM share one MBean server, where the first one's beans
   * win.)
   */
  List<Map<String, Object>> nameNodeHealth() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < (ha ? NAMENODE_IDS.size() : 1); i++) {
      NameNode nn = cluster.getNameNode(i);
      list.add(
          Json.object(
              "id", ha ? NAMENODE_IDS.get(i) : "nn",
              "state", nn.isActiveState() ? "active" : "standby",
              "safeMode", nn.getNamesystem().isInSafeMode(),
              "liveDataNodes", nn.getNamesystem().getNumLiveDataNodes()));
    }
    return list;
  }

  List<Map<String, Object>> dataNodes() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (DataNode dn : cluster.getDataNodes()) {
      list.add(
          Json.object(
              "http", Ports.HOST + ":" + dn.getInfoPort(),
              "ipc", Ports.HOST + ":" + dn.getIpcPort(),
              "transfer", Ports.HOST + ":" + dn.getXferPort()));
    }
    return list;
  }

  /**
   * Makes the other NameNode active: the active one goes to standby first, as an administrator's
   * {@code hdfs haadmin -failover} does, then the standby becomes active and catches up from the
   * shared edits. Returns the new active NameNode's id.
   */
  synchronized String failover() throws IOException {
    if (!ha) throw new HarnessException("failover needs a cluster started with --ha");
    int active = cluster.getNameNode(0).isActiveState() ? 0 : 1;
    int next = 1 - active;
    cluster.transitionToStandby(active);
    cluster.transitionToActive(next);
    cluster.waitActive(next);
    return NAMENODE_IDS.get(next);
  }

  void stop() {
    if (cluster != null) cluster.shutdown(true);
  }

  static String hostPort(InetSocketAddress address) {
    return Ports.HOST + ":" + address.getPort();
  }
}
