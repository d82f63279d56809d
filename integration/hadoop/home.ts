/**
 * A cluster's home directory and what it says about the cluster: state.json (written by the
 * harness: the launcher's pid), ready.json (written by the launcher once every server is up: the
 * addresses), conf/ (the HADOOP_CONF_DIR), data/ (HDFS blocks, NodeManager directories, container
 * logs) and launcher.log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './launcher.js';
import { isAlive, isLauncherOf } from './processes.js';

export interface HadoopOptions {
  /** The cluster's home directory; default $SPINDLE_HADOOP_HOME or .spindle/hadoop in the checkout. */
  home?: string;
  /** Two NameNodes (nn1 active, nn2 standby) in the HA nameservice ns1. */
  ha?: boolean;
  /** Fixed consecutive ports from this one for the ResourceManager and NameNodes; default: free ports. */
  portBase?: number;
  /** The NodeManager's memory for containers (default 8192 MB) and vcores (default 8). */
  nmMemoryMb?: number;
  nmVcores?: number;
  /**
   * YARN server properties set over the harness's own (e.g. a short AMRM master-key rolling
   * interval); written to the client's yarn-site.xml as well.
   */
  yarnSite?: Readonly<Record<string, string>>;
  /** Progress lines (the Maven build of the launcher). */
  log?: (line: string) => void;
}

export interface NameNodeAddress {
  /** `nn` for a single NameNode, `nn1`/`nn2` in the HA nameservice. */
  id: string;
  /** host:port of the RPC server and of the HTTP server (WebHDFS, JMX). */
  rpc: string;
  http: string;
  /** At the last start or failover. */
  state: 'active' | 'standby';
}

/** What the launcher wrote to ready.json: every address, as host:port. */
export interface ReadyFile {
  pid: number;
  /** Hadoop's version, e.g. 3.5.0. */
  hadoopVersion: string;
  ha: boolean;
  /** The user the servers run as: the HDFS superuser. */
  user: string;
  home: string;
  confDir: string;
  dataDir: string;
  controlPort: number;
  /** fs.defaultFS: hdfs://127.0.0.1:<port>, or hdfs://ns1 with HA. */
  defaultFS: string;
  nameservice: string | null;
  resourceManager: { web: string; address: string; scheduler: string; resourceTracker: string; admin: string };
  nodeManager: { nodeId: string; http: string; memoryMb: number; vcores: number };
  nameNodes: NameNodeAddress[];
  dataNodes: { http: string; ipc: string; transfer: string }[];
  queues: string[];
}

export interface HadoopCluster extends ReadyFile {
  logFile: string;
  /** http://host:port of the ResourceManager's REST API and web UI. */
  rmUrl: string;
  /** http://host:port of the active NameNode's WebHDFS. */
  webHdfsUrl: string;
  /** True when the cluster was already running and this call did not start it. */
  alreadyRunning: boolean;
  /** How long this call took to bring it up. */
  startMs: number;
}

/** state.json: written before the launcher starts (owner only), then with its pid. */
export interface StateFile {
  owner: number;
  pid?: number;
  ha: boolean;
}

export interface Paths {
  home: string;
  confDir: string;
  dataDir: string;
  logFile: string;
  stateFile: string;
  readyFile: string;
}

export function hadoopHome(options: HadoopOptions = {}): string {
  return path.resolve(options.home ?? process.env['SPINDLE_HADOOP_HOME'] ?? path.join(REPO_ROOT, '.spindle', 'hadoop'));
}

export function paths(options: HadoopOptions): Paths {
  const home = hadoopHome(options);
  return {
    home,
    confDir: path.join(home, 'conf'),
    dataDir: path.join(home, 'data'),
    logFile: path.join(home, 'launcher.log'),
    stateFile: path.join(home, 'state.json'),
    readyFile: path.join(home, 'ready.json'),
  };
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export type Inspection = { kind: 'none' } | { kind: 'starting' } | { kind: 'running'; cluster: HadoopCluster };

/** What runs in this home now; forgets a launcher that is gone (and the start that never finished). */
export function inspect(p: Paths): Inspection {
  const state = readJson<StateFile>(p.stateFile);
  if (state === undefined) return { kind: 'none' };
  const launcherUp = state.pid !== undefined && isAlive(state.pid) && isLauncherOf(state.pid, p.home);
  const ready = launcherUp ? readJson<ReadyFile>(p.readyFile) : undefined;
  if (ready !== undefined) return { kind: 'running', cluster: toCluster(p, ready, true, 0) };
  if (launcherUp || (state.pid === undefined && isAlive(state.owner))) return { kind: 'starting' };
  fs.rmSync(p.stateFile, { force: true });
  fs.rmSync(p.readyFile, { force: true });
  return { kind: 'none' };
}

export function toCluster(p: Paths, ready: ReadyFile, alreadyRunning: boolean, startMs: number): HadoopCluster {
  const active = ready.nameNodes.find((nn) => nn.state === 'active') ?? ready.nameNodes[0];
  return {
    ...ready,
    logFile: p.logFile,
    rmUrl: `http://${ready.resourceManager.web}`,
    webHdfsUrl: `http://${active?.http ?? ''}`,
    alreadyRunning,
    startMs,
  };
}
