import net from 'node:net';
import path from 'node:path';
import { ClusterOptions, SpindleError, type Configuration } from '@spindle/core';
import { ClusterEntrypoint, runClusterEntrypoint, type ClusterMode } from '@spindle/cluster';
import {
  ApplicationMasterClient,
  ContainerManagerClient,
  ENGINE_LAUNCHER,
  HadoopRpcConnectionPool,
  STAGING_DIR_ENV,
  TASK_MANAGER_RESOURCES_ENV,
  TOKEN_KIND,
  YarnOptions,
  YarnResourceDriver,
  findToken,
  parseEnvJson,
  readTokenFile,
  removeStagingDirectory,
  shellQuote,
  yarnAddresses,
  type LocalResource,
} from '@spindle/yarn';
import { APPMASTER_ENV } from './yarn-launch.js';

/**
 * The `-D` options the AppMaster adds to the user's: the JobManager binds every interface,
 * advertises its NodeManager's host and takes a free RPC port, and its REST port is fixed before start, because the
 * ResourceManager is told the REST address (port and tracking URL) when the driver registers,
 * which happens before the REST server is up.
 */
export async function appMasterProperties(): Promise<string[]> {
  const host = process.env['NM_HOST'];
  if (host === undefined || host === '') {
    throw new SpindleError('yarn-appmaster runs in a YARN container: NM_HOST is not set', { code: 'BAD_ARGUMENTS', userFacing: true });
  }
  const restPort = await freePort();
  return [
    `jobmanager.rpc.address=${host}`,
    // Any free port (Flink's yarn.application-master.port: 0): several AppMasters may share a NodeManager.
    'jobmanager.rpc.port=0',
    'jobmanager.bind-host=0.0.0.0',
    `rest.address=${host}`,
    'rest.bind-address=0.0.0.0',
    `rest.port=${restPort}`,
  ];
}

/**
 * `spindle yarn-appmaster` (hidden), the AppMaster's process: a ClusterEntrypoint whose
 * ResourceManager gets TaskManagers as YARN containers. The AMRM token comes from the container's
 * token file, the scheduler address from the HADOOP_CONF_DIR the NodeManager exports. Each
 * TaskManager container localizes what the client staged for it (the engine archive, the
 * configuration, Node.js when shipped) and runs the unpacked engine's launcher with the
 * AppMaster's own `-D` options. In application mode the program's main runs here once the
 * JobManager is up; in a job cluster the first job's end ends the application.
 */
export async function runYarnAppMaster(config: Configuration, userProperties: readonly string[]): Promise<never> {
  const host = process.env['NM_HOST']!;
  const restPort = config.get(ClusterOptions.REST_PORT);
  const trackingUrl = `http://${host}:${restPort}`;
  const amrm = findToken(await readTokenFile(), TOKEN_KIND.amrm);
  if (amrm === undefined)
    throw new SpindleError(`no AMRM token in ${process.env['HADOOP_TOKEN_FILE_LOCATION']}`, { code: 'BAD_ARGUMENTS' });
  const pool = new HadoopRpcConnectionPool({ connectTimeoutMs: 20_000, callTimeoutMs: 60_000 });
  const am = new ApplicationMasterClient(yarnAddresses().scheduler, amrm, pool);
  const nm = new ContainerManagerClient(pool);
  const node = process.env[APPMASTER_ENV.nodeCommand] || 'node';
  const mode = (process.env[APPMASTER_ENV.mode] || 'session') as ClusterMode;
  // What the client staged for TaskManagers (engine, configuration, Node.js), localized the same way.
  const stagingDir = process.env[STAGING_DIR_ENV];
  const localResources = parseEnvJson<Record<string, LocalResource>>(process.env[TASK_MANAGER_RESOURCES_ENV], {});
  const entrypoint: ClusterEntrypoint = new ClusterEntrypoint(
    config,
    (c) =>
      new YarnResourceDriver(c, {
        am,
        nm,
        registration: { host, rpcPort: restPort, trackingUrl },
        ...(stagingDir === undefined || stagingDir === '' ? {} : { onDeregister: () => removeStagingDirectory(stagingDir) }),
        // The RM no longer runs this attempt: stop this process without unregistering.
        onShutdownRequest: () => void entrypoint.closeAsync(),
        launch: ({ containerId, memoryMb, vcores }) => ({
          localResources,
          environment: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            SPINDLE_CONF_DIR: '.',
            ...(process.env['HADOOP_USER_NAME'] === undefined ? {} : { HADOOP_USER_NAME: process.env['HADOOP_USER_NAME'] }),
          },
          commands: [
            ...[node, ENGINE_LAUNCHER, 'taskmanager', ...userProperties.map((d) => `-D${d}`)].map(shellQuote),
            `-Djobmanager.rpc.address=${host}`,
            `-Djobmanager.rpc.port=${entrypoint.components.rpc.port}`,
            '-Dtaskmanager.host=$NM_HOST',
            '-Dtaskmanager.bind-host=0.0.0.0',
            `-Dtaskmanager.resource-id=${containerId}`,
            `-Dtaskmanager.memory.process.size=${memoryMb}m`,
            `-Dtaskmanager.cpu.cores=${vcores}`,
            `1><LOG_DIR>/taskmanager.out`,
            `2><LOG_DIR>/taskmanager.err`,
          ],
        }),
      }),
    mode,
  );
  process.once('exit', () => pool.close());
  if (stagingDir !== undefined && stagingDir !== '' && isLastAttempt(config)) {
    // Killed through YARN (SIGTERM, then SIGKILL after a short delay): no attempt follows, so the
    // staging directory goes now, as far as time allows; the next deployment sweeps what is left.
    process.once('SIGTERM', () => void removeStagingDirectory(stagingDir).catch(() => undefined));
  }
  const bundle = process.env[APPMASTER_ENV.bundle];
  if (mode !== 'application' || bundle === undefined) return runClusterEntrypoint(entrypoint);
  const args = parseEnvJson<string[]>(process.env[APPMASTER_ENV.args], []);
  const jobId = process.env[APPMASTER_ENV.jobId] || undefined;
  return runClusterEntrypoint(entrypoint, () => entrypoint.runApplication(path.resolve(bundle), args, jobId));
}

/** Whether this AppMaster is the application's last attempt (`CONTAINER_ID` names the attempt). */
function isLastAttempt(config: Configuration): boolean {
  const parts = (process.env['CONTAINER_ID'] ?? '').split('_');
  const attempt = Number(parts[parts.length - 2]);
  return Number.isInteger(attempt) && attempt >= config.get(YarnOptions.APPLICATION_ATTEMPTS);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
