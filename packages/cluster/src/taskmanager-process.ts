import path from 'node:path';
import {
  ClusterOptions,
  DeploymentOptions,
  TaskManagerOptions,
  configureLogging,
  getLogger,
  randomHexId,
  type Configuration,
} from '@spindle/core';
import {
  BlobCache,
  GrpcBlobClient,
  GrpcRpcService,
  ShuffleClient,
  ShuffleHub,
  ShuffleServer,
  TaskExecutor,
  WorkerSlotHost,
} from '@spindle/runtime';
import { linkEngineModules } from './engine-modules.js';
import { bindHost, jobManagerHost, processWorkDir, resourceManagerAddress, setUpProcess } from './process-common.js';

export interface TaskManagerProcess {
  taskExecutor: TaskExecutor;
  close(): Promise<void>;
}

/** Starts a TaskExecutor with worker-thread slots; it registers with the JobManager and retries until it can. */
export async function startTaskManager(config: Configuration): Promise<TaskManagerProcess> {
  const host = bindHost(config.get(TaskManagerOptions.HOST));
  const clusterId = config.get(DeploymentOptions.CLUSTER_ID);
  const rpc = new GrpcRpcService({ host, port: config.get(DeploymentOptions.TASK_MANAGER_RPC_PORT), clusterId });
  const workDir = processWorkDir(config, 'taskmanager');
  await rpc.start().catch((e: unknown) => {
    workDir.remove();
    throw e;
  });
  const resourceId = config.get(DeploymentOptions.TASK_MANAGER_RESOURCE_ID) ?? `${host}:${rpc.port}-${randomHexId().slice(0, 6)}`;
  const blobClient = new GrpcBlobClient(`${jobManagerHost(config)}:${config.get(ClusterOptions.JOB_MANAGER_PORT)}`, clusterId);
  const cache = new BlobCache(path.join(workDir.path, 'blobs'), (key, target) => blobClient.fetch(key, target), linkEngineModules);
  // Remote consumers learn this TaskManager's data address only once it registered, after `hub` exists.
  const server = new ShuffleServer((partitionId, subpartition, link) => hub.serveRemote(partitionId, subpartition, link), {
    host,
    port: config.get(DeploymentOptions.TASK_MANAGER_DATA_PORT),
  });
  const dataPort = await server.start().catch(async (e: unknown) => {
    blobClient.close();
    await rpc.close();
    workDir.remove();
    throw e;
  });
  const dataAddress = `${host}:${dataPort}`;
  const client = new ShuffleClient();
  const hub = new ShuffleHub({
    selfLocation: dataAddress,
    remote: (location, partitionId, subpartition) => {
      const i = location.lastIndexOf(':');
      return client.request({ host: location.slice(0, i), port: Number(location.slice(i + 1)) }, partitionId, subpartition);
    },
  });
  const slotConfig = config.toMap();
  const taskExecutor = new TaskExecutor(
    {
      resourceId,
      address: rpc.address('taskexecutor', 'taskexecutor'),
      numberOfSlots: config.get(TaskManagerOptions.NUM_TASK_SLOTS),
      dataPort,
      dataAddress,
      resourceManagerAddress: resourceManagerAddress(config),
      resolveArtifact: async (tdd) => {
        if (!tdd.artifact.blobKey) return tdd;
        return { ...tdd, artifact: { ...tdd.artifact, bundlePath: await cache.bundlePath(tdd.artifact.blobKey) } };
      },
    },
    rpc,
    (slotIndex, tdd) => new WorkerSlotHost(slotIndex, tdd.jobId, slotConfig, hub, tdd.artifact.args),
    config,
  );
  await taskExecutor.start(true);
  getLogger('taskmanager').info('TaskManager started', {
    resourceId,
    slots: config.get(TaskManagerOptions.NUM_TASK_SLOTS),
    data: dataAddress,
  });
  return {
    taskExecutor,
    close: async () => {
      await taskExecutor.close();
      blobClient.close();
      await Promise.all([server.close(), client.close(), rpc.close()]);
      workDir.remove();
    },
  };
}

/** `spindle taskmanager`: runs a TaskManager in the foreground until SIGTERM. */
export async function runTaskManager(config: Configuration): Promise<void> {
  configureLogging({ format: 'json' });
  const tm = await startTaskManager(config);
  setUpProcess('taskmanager', () => tm.close());
  await new Promise(() => undefined);
}
