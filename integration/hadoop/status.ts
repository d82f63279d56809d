/** Asking a running cluster how it is, failing its NameNode over, and the variables that point at it. */
import { HadoopHarnessError } from './hadoop-error.js';
import { inspect, paths, type HadoopCluster, type HadoopOptions, type NameNodeAddress } from './home.js';
import { controlCommand, nameNodeHealth } from './launcher.js';
import { nameNodeState, resourceManagerState, runningNodeManagers, webHdfsWritable } from './probes.js';
import { poll } from './processes.js';

const FAILOVER_TIMEOUT_MS = 60_000;

export interface NameNodeStatus extends Omit<NameNodeAddress, 'state'> {
  /** As WebHDFS answers: `active`, `standby` (StandbyException), or undefined when it does not answer. */
  state: 'active' | 'standby' | undefined;
  /** As the NameNode itself says (through the launcher); undefined when unknown. */
  safeMode: boolean | undefined;
  liveDataNodes: number | undefined;
}

export interface HadoopStatus {
  /** `running`: the launcher is up and wrote its addresses; `starting`: not yet; `stopped`: no launcher. */
  state: 'running' | 'starting' | 'stopped';
  cluster?: HadoopCluster;
  /** The ResourceManager's clusterInfo.state (`STARTED`), undefined when it does not answer. */
  resourceManager?: string | undefined;
  runningNodeManagers?: number | undefined;
  nameNodes?: NameNodeStatus[];
  /** Every server answers: RM STARTED, a RUNNING NodeManager, an active NameNode out of safe mode, a live DataNode. */
  healthy: boolean;
}

export async function hadoopStatus(options: HadoopOptions = {}): Promise<HadoopStatus> {
  const found = inspect(paths(options));
  if (found.kind === 'none') return { state: 'stopped', healthy: false };
  if (found.kind === 'starting') return { state: 'starting', healthy: false };
  const cluster = found.cluster;
  const web = cluster.resourceManager.web;
  const [resourceManager, nodes, states, health] = await Promise.all([
    resourceManagerState(web),
    runningNodeManagers(web),
    Promise.all(cluster.nameNodes.map((nn) => nameNodeState(nn.http))),
    nameNodeHealth(cluster.controlPort),
  ]);
  const nameNodes = cluster.nameNodes.map((nn, i): NameNodeStatus => {
    const own = health?.find((h) => h.id === nn.id);
    return { ...nn, state: states[i], safeMode: own?.safeMode, liveDataNodes: own?.liveDataNodes };
  });
  const active = nameNodes.find((nn) => nn.state === 'active');
  const healthy = resourceManager === 'STARTED' && (nodes ?? 0) >= 1 && active?.safeMode === false && (active.liveDataNodes ?? 0) >= 1;
  return { state: 'running', cluster, resourceManager, runningNodeManagers: nodes, nameNodes, healthy };
}

export interface FailoverResult {
  /** The NameNode active now, e.g. `nn2`. */
  active: string;
  /** Its WebHDFS, http://host:port. */
  webHdfsUrl: string;
}

/**
 * Makes the standby NameNode of an HA cluster active (the active one goes to standby first) and
 * resolves once the new active one takes a WebHDFS MKDIRS.
 */
export async function failoverNameNode(options: HadoopOptions = {}): Promise<FailoverResult> {
  const found = inspect(paths(options));
  if (found.kind !== 'running') {
    throw new HadoopHarnessError('HADOOP_NOT_RUNNING', 'Hadoop is not running: start it with `npm run hadoop -- start --ha`');
  }
  const cluster = found.cluster;
  if (!cluster.ha) {
    throw new HadoopHarnessError(
      'HADOOP_NOT_HA',
      'Hadoop runs with one NameNode, so there is nothing to fail over to: restart it with `npm run hadoop -- start --ha`',
    );
  }
  const reply = await controlCommand(cluster.controlPort, 'failover');
  const active = cluster.nameNodes.find((nn) => nn.id === reply['active']);
  if (active === undefined) throw new HadoopHarnessError('HADOOP_COMMAND_FAILED', `failover answered ${JSON.stringify(reply)}`);
  const writable = await poll(
    async () => ((await webHdfsWritable(active.http, cluster.user, '/tmp')) ? true : undefined),
    FAILOVER_TIMEOUT_MS,
  );
  if (!writable)
    throw new HadoopHarnessError(
      'HADOOP_COMMAND_FAILED',
      `NameNode ${active.id} became active but WebHDFS on ${active.http} takes no writes`,
    );
  return { active: active.id, webHdfsUrl: `http://${active.http}` };
}

/**
 * The variables that point programs at the cluster: HADOOP_CONF_DIR (what Hadoop clients and
 * Spindle read), and the RM REST, WebHDFS and fs.defaultFS addresses for scripts.
 */
export function hadoopEnv(cluster: HadoopCluster): Record<string, string> {
  return {
    HADOOP_CONF_DIR: cluster.confDir,
    SPINDLE_YARN_RM: cluster.rmUrl,
    SPINDLE_WEBHDFS: cluster.webHdfsUrl,
    FS_DEFAULT_FS: cluster.defaultFS,
  };
}
