/**
 * Stopping the cluster so that nothing is left: the launcher stops YARN (the NodeManager kills its
 * containers) then HDFS and exits; containers that outlive it are killed; every port it listened
 * on must refuse connections before the stop counts as done.
 */
import fs from 'node:fs';
import { HadoopHarnessError } from './hadoop-error.js';
import { paths, readJson, type HadoopOptions, type ReadyFile, type StateFile } from './home.js';
import { controlCommand } from './launcher.js';
import { refusesConnections } from './probes.js';
import { isAlive, isLauncherOf, poll, processesUnder, signal } from './processes.js';

const STOP_TIMEOUT_MS = 60_000;
const PORTS_TIMEOUT_MS = 15_000;

export interface StopResult {
  /** A launcher was running in this home. */
  wasRunning: boolean;
  /** Container processes that were still running after the launcher ended, now killed. */
  containersKilled: number;
}

export async function stopHadoop(options: HadoopOptions = {}): Promise<StopResult> {
  const p = paths(options);
  const state = readJson<StateFile>(p.stateFile);
  const ready = readJson<ReadyFile>(p.readyFile);
  const pid = state?.pid;
  const wasRunning = pid !== undefined && isAlive(pid) && isLauncherOf(pid, p.home);
  if (wasRunning) await stopLauncher(pid, ready?.controlPort);
  const containersKilled = await killLeftovers(p.dataDir);
  if (ready !== undefined) await waitForPortsClosed(ready);
  fs.rmSync(p.stateFile, { force: true });
  fs.rmSync(p.readyFile, { force: true });
  return { wasRunning, containersKilled };
}

/** The stop command when the launcher is ready, SIGTERM otherwise (it handles both alike); SIGKILL after a minute. */
async function stopLauncher(pid: number, controlPort: number | undefined): Promise<void> {
  const asked =
    controlPort === undefined
      ? false
      : await controlCommand(controlPort, 'stop', 10_000).then(
          () => true,
          () => false,
        );
  if (!asked) signal(pid, 'SIGTERM');
  if (await poll(() => (isAlive(pid) ? undefined : true), STOP_TIMEOUT_MS)) return;
  signal(pid, 'SIGKILL');
  if (!(await poll(() => (isAlive(pid) ? undefined : true), 10_000))) {
    throw new HadoopHarnessError('HADOOP_STOP_FAILED', `the Hadoop launcher (pid ${pid}) did not end, even after SIGKILL`);
  }
}

/** Kills what still works under the data directory: containers that outlived their NodeManager. */
export async function killLeftovers(dataDir: string): Promise<number> {
  const leftovers = processesUnder(dataDir);
  for (const pid of leftovers) signal(pid, 'SIGKILL');
  const gone = await poll(() => (processesUnder(dataDir).length === 0 ? true : undefined), 10_000);
  if (!gone) {
    throw new HadoopHarnessError('HADOOP_STOP_FAILED', `processes in ${dataDir} still run: ${processesUnder(dataDir).join(', ')}`);
  }
  return leftovers.length;
}

/** Every address the cluster listened on (the NodeManager's say "localhost"). */
function addresses(ready: ReadyFile): string[] {
  const rm = ready.resourceManager;
  return [
    rm.web,
    rm.address,
    rm.scheduler,
    rm.resourceTracker,
    rm.admin,
    ready.nodeManager.nodeId,
    ready.nodeManager.http,
    ...ready.nameNodes.flatMap((nn) => [nn.rpc, nn.http]),
    ...ready.dataNodes.flatMap((dn) => [dn.http, dn.ipc, dn.transfer]),
    `127.0.0.1:${ready.controlPort}`,
  ];
}

async function waitForPortsClosed(ready: ReadyFile): Promise<void> {
  const open = async () => {
    const results = await Promise.all(addresses(ready).map(async (address) => ((await refusesConnections(address)) ? undefined : address)));
    return results.filter((address) => address !== undefined);
  };
  if (await poll(async () => ((await open()).length === 0 ? true : undefined), PORTS_TIMEOUT_MS)) return;
  throw new HadoopHarnessError('HADOOP_STOP_FAILED', `ports still accept connections after the stop: ${(await open()).join(', ')}`);
}
