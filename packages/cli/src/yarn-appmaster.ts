import net from 'node:net';
import path from 'node:path';
import { ClusterOptions, SpindleError, type Configuration } from '@spindle/core';
import { ClusterEntrypoint, runClusterEntrypoint } from '@spindle/cluster';
import {
  ApplicationMasterClient,
  ContainerManagerClient,
  HadoopRpcConnectionPool,
  STAGED_CONF_FILE,
  STAGING_DIR_ENV,
  TOKEN_KIND,
  YarnOptions,
  YarnResourceDriver,
  findToken,
  readTokenFile,
  removeStagingDirectory,
  shellQuote,
  stagedConfigurationResource,
  yarnAddresses,
  type LocalResource,
} from '@spindle/yarn';
import { CLI_BIN } from './engine-paths.js';

/**
 * The `-D` options the AppMaster adds to the user's: the JobManager binds every interface and
 * advertises its NodeManager's host, and its REST port is fixed before start, because the
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
 * TaskManager runs this installation's launcher with the AppMaster's own `-D` options, through
 * `yarn.node.command` on the PATH the AppMaster was given.
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
  const node = config.get(YarnOptions.NODE_COMMAND);
  // The configuration the client staged; TaskManagers get the same file, localized the same way.
  const stagingDir = process.env[STAGING_DIR_ENV];
  const localResources: Record<string, LocalResource> =
    stagingDir === undefined || stagingDir === '' ? {} : { [STAGED_CONF_FILE]: await stagedConfigurationResource(stagingDir) };
  const entrypoint: ClusterEntrypoint = new ClusterEntrypoint(
    config,
    (c) =>
      new YarnResourceDriver(c, {
        am,
        nm,
        registration: { host, rpcPort: restPort, trackingUrl },
        ...(stagingDir === undefined || stagingDir === '' ? {} : { onDeregister: () => removeStagingDirectory(stagingDir) }),
        launch: ({ containerId, memoryMb, vcores }) => ({
          localResources,
          environment: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            SPINDLE_CONF_DIR: '.',
            ...(process.env['HADOOP_USER_NAME'] === undefined ? {} : { HADOOP_USER_NAME: process.env['HADOOP_USER_NAME'] }),
          },
          commands: [
            ...[node, CLI_BIN, 'taskmanager', ...userProperties.map((d) => `-D${d}`)].map(shellQuote),
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
  );
  process.once('exit', () => pool.close());
  return runClusterEntrypoint(entrypoint);
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

/**
 * The launcher the client submits: this installation's CLI, by absolute path (the engine is not
 * staged yet; its configuration is).
 */
export function appMasterCommand(): { command: string[]; path: string } {
  return {
    command: [process.execPath, CLI_BIN, 'yarn-appmaster'],
    path: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
  };
}
