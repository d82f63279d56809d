import path from 'node:path';
import {
  ClusterOptions,
  DeploymentOptions,
  MetricsOptions,
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
import { bindHost, jobManagerHost, processLogs, processWorkDir, resourceManagerAddress, setUpProcess } from './process-common.js';
import { PrometheusEndpoint } from './prometheus-endpoint.js';
import { taskManagerMetricGroups } from './task-manager-metrics.js';

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
  // The hub needs the data port, and the TaskExecutor the hub: both are set once the server listens.
  const late: { hub?: ShuffleHub; taskExecutor?: TaskExecutor } = {};
  const server = new ShuffleServer(
    (partitionId, subpartition, link, jobId) => late.hub?.serveRemote(partitionId, subpartition, link, jobId),
    {
      host,
      port: config.get(DeploymentOptions.TASK_MANAGER_DATA_PORT),
    },
  );
  const dataPort = await server.start().catch(async (e: unknown) => {
    blobClient.close();
    await rpc.close();
    workDir.remove();
    throw e;
  });
  const dataAddress = `${host}:${dataPort}`;
  const client = new ShuffleClient();
  const shuffleHub = new ShuffleHub({
    selfLocation: dataAddress,
    remote: (location, partitionId, subpartition, jobId) => {
      const i = location.lastIndexOf(':');
      return client.request({ host: location.slice(0, i), port: Number(location.slice(i + 1)) }, partitionId, subpartition, 0, jobId);
    },
    jobActive: (jobId) => late.taskExecutor?.hasJob(jobId) ?? false,
  });
  late.hub = shuffleHub;
  const slotConfig = config.toMap();
  const prometheus = new PrometheusEndpoint(async () => (late.taskExecutor ? taskManagerMetricGroups(late.taskExecutor, host) : []), {
    prefix: config.get(MetricsOptions.PROMETHEUS_PREFIX),
    filterLabelValueCharacters: config.get(MetricsOptions.PROMETHEUS_FILTER_LABEL_VALUES),
  });
  const metricsPort = await prometheus.start(host, config.get(MetricsOptions.PROMETHEUS_PORT)).catch(async (e: unknown) => {
    blobClient.close();
    await Promise.all([server.close(), rpc.close()]);
    workDir.remove();
    throw e;
  });
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
      onJobReleased: (jobId, cause) =>
        shuffleHub.releaseJob(jobId, `the slots of job ${jobId} on the TaskManager at ${dataAddress} were freed (${cause})`),
      logs: processLogs(config),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
    },
    rpc,
    (slotIndex, tdd) => new WorkerSlotHost(slotIndex, tdd.jobId, slotConfig, shuffleHub, tdd.artifact.args),
    config,
  );
  late.taskExecutor = taskExecutor;
  await taskExecutor.start(true);
  getLogger('taskmanager').info('TaskManager started', {
    resourceId,
    slots: config.get(TaskManagerOptions.NUM_TASK_SLOTS),
    data: dataAddress,
    prometheus: metricsPort === undefined ? 'none' : `http://${host}:${metricsPort}/metrics`,
  });
  return {
    taskExecutor,
    close: async () => {
      await taskExecutor.close();
      blobClient.close();
      await Promise.all([server.close(), client.close(), rpc.close(), prometheus.close()]);
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
