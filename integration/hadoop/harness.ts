/**
 * A real single-node Hadoop 3.5 for tests and benchmarks: YARN (a ResourceManager and one
 * NodeManager that runs containers as local processes) and HDFS (one NameNode, or two in the HA
 * nameservice ns1, and a DataNode) on 127.0.0.1, run in one JVM by the Java launcher in this
 * folder (Hadoop's own MiniYARNCluster and MiniDFSCluster). The CLI (`npm run hadoop -- start`)
 * and the test suites both go through these functions, so they find, start and stop the same
 * cluster in the same way.
 *
 * One cluster per home directory: `options.home`, else $SPINDLE_HADOOP_HOME, else .spindle/hadoop
 * in the checkout (see home.ts for what it holds). Calls for one home from several processes are
 * safe: a second start finds the first cluster (or waits for it) instead of starting another.
 */
export { HadoopHarnessError, type HadoopErrorCode } from './hadoop-error.js';
export { hadoopHome, type HadoopCluster, type HadoopOptions, type NameNodeAddress } from './home.js';
export { findJavaTools, buildLauncher, type JavaTools, type LauncherBuild } from './launcher.js';
export { startHadoop } from './start.js';
export { stopHadoop, type StopResult } from './stop.js';
export { failoverNameNode, hadoopEnv, hadoopStatus, type FailoverResult, type HadoopStatus, type NameNodeStatus } from './status.js';
