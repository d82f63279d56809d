/** Starting the cluster: build the launcher, start it detached, wait until every server answers. */
import fs from 'node:fs';
import { HadoopHarnessError } from './hadoop-error.js';
import {
  inspect,
  paths,
  readJson,
  toCluster,
  type HadoopCluster,
  type HadoopOptions,
  type Paths,
  type ReadyFile,
  type StateFile,
} from './home.js';
import { buildLauncher, findJavaTools, launcherFailure, nameNodeHealth, spawnLauncher, type LauncherBuild } from './launcher.js';
import { resourceManagerState, runningNodeManagers, webHdfsWritable } from './probes.js';
import { isAlive, poll } from './processes.js';
import { killLeftovers, stopHadoop } from './stop.js';

const READY_TIMEOUT_MS = 180_000;
const SERVICES_TIMEOUT_MS = 60_000;

/**
 * Starts the cluster and resolves once every server answers: the ResourceManager is STARTED with
 * a RUNNING NodeManager, and the active NameNode is out of safe mode, has a live DataNode and
 * takes a WebHDFS MKDIRS. A cluster already running in this home is returned as it is
 * (`alreadyRunning`); one being started by another process is waited for.
 */
export async function startHadoop(options: HadoopOptions = {}): Promise<HadoopCluster> {
  const p = paths(options);
  const ha = options.ha ?? false;
  const started = Date.now();
  const existing = await existingCluster(p);
  if (existing !== undefined) {
    if (existing.ha !== ha) {
      const mode = (h: boolean) => (h ? 'with two NameNodes (--ha)' : 'with one NameNode');
      throw new HadoopHarnessError(
        'HADOOP_ALREADY_RUNNING',
        `Hadoop is already running in ${p.home} ${mode(existing.ha)} (pid ${existing.pid}); stop it first to start it ${mode(ha)}`,
      );
    }
    return existing;
  }
  const tools = findJavaTools();
  const build = await buildLauncher(tools.mvn, options.log ?? (() => undefined));
  fs.mkdirSync(p.confDir, { recursive: true });
  // Containers of a launcher that was killed (SIGKILL, a crash) may still run in the data directory.
  await killLeftovers(p.dataDir);
  if (!claimHome(p, ha)) return startHadoop(options);
  const pid = launch(p, tools.java, build, options);
  const ready = await waitForLauncher(p, pid);
  const cluster = toCluster(p, ready, false, 0);
  await waitForServices(p, cluster);
  return { ...cluster, startMs: Date.now() - started };
}

async function existingCluster(p: Paths): Promise<HadoopCluster | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const found = inspect(p);
    if (found.kind === 'none') return undefined;
    if (found.kind === 'running') return found.cluster;
    if (Date.now() > deadline) {
      throw new HadoopHarnessError('HADOOP_START_TIMEOUT', `another start of Hadoop in ${p.home} did not finish in time; see ${p.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates state.json exclusively; false if another process just did. */
function claimHome(p: Paths, ha: boolean): boolean {
  try {
    fs.writeFileSync(p.stateFile, JSON.stringify({ owner: process.pid, ha } satisfies StateFile), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function launch(p: Paths, java: string, build: LauncherBuild, options: HadoopOptions): number {
  try {
    const pid = spawnLauncher({
      java,
      build,
      home: p.home,
      confDir: p.confDir,
      logFile: p.logFile,
      ha: options.ha ?? false,
      portBase: options.portBase,
      nmMemoryMb: options.nmMemoryMb,
      nmVcores: options.nmVcores,
      yarnSite: options.yarnSite,
    });
    fs.writeFileSync(p.stateFile, JSON.stringify({ owner: process.pid, pid, ha: options.ha ?? false } satisfies StateFile));
    return pid;
  } catch (e) {
    fs.rmSync(p.stateFile, { force: true });
    throw e;
  }
}

async function waitForLauncher(p: Paths, pid: number): Promise<ReadyFile> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ready = readJson<ReadyFile>(p.readyFile);
    if (ready !== undefined) return ready;
    if (!isAlive(pid)) {
      fs.rmSync(p.stateFile, { force: true });
      const reason = launcherFailure(p.logFile) ?? `the launcher exited; see ${p.logFile}`;
      throw new HadoopHarnessError('HADOOP_START_FAILED', `Hadoop did not start: ${reason}`);
    }
    if (Date.now() > deadline) {
      await stopHadoop({ home: p.home });
      throw new HadoopHarnessError('HADOOP_START_TIMEOUT', `Hadoop did not start in ${READY_TIMEOUT_MS / 1000} s; see ${p.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForServices(p: Paths, cluster: HadoopCluster): Promise<void> {
  const web = cluster.resourceManager.web;
  const checks: [string, () => Promise<boolean>][] = [
    ['the ResourceManager to be STARTED', async () => (await resourceManagerState(web)) === 'STARTED'],
    ['a RUNNING NodeManager', async () => ((await runningNodeManagers(web)) ?? 0) >= 1],
    ['an active NameNode out of safe mode with a live DataNode', async () => activeNameNodeReady(cluster)],
    ['WebHDFS to take a MKDIRS', async () => webHdfsWritable(cluster.webHdfsUrl.slice('http://'.length), cluster.user, '/tmp')],
  ];
  for (const [what, check] of checks) {
    const ok = await poll(async () => ((await check()) ? true : undefined), SERVICES_TIMEOUT_MS);
    if (!ok) {
      await stopHadoop({ home: p.home });
      throw new HadoopHarnessError('HADOOP_START_TIMEOUT', `Hadoop started but timed out waiting for ${what}; see ${p.logFile}`);
    }
  }
}

async function activeNameNodeReady(cluster: HadoopCluster): Promise<boolean> {
  const health = await nameNodeHealth(cluster.controlPort);
  return health?.some((nn) => nn.state === 'active' && !nn.safeMode && nn.liveDataNodes >= 1) ?? false;
}
