import path from 'node:path';
import v8 from 'node:v8';
import {
  DeploymentOptions,
  MetricsOptions,
  prometheusReporterEnabled,
  TaskManagerOptions,
  configureLogging,
  getLogger,
  randomHexId,
  type Configuration,
} from '@spindle/core';
import {
  BlobCache,
  BlockingPartitionStore,
  GrpcBlobClient,
  GrpcRpcService,
  ShuffleClient,
  ShuffleHub,
  ShuffleServer,
  TaskExecutor,
  WorkerSlotHost,
  tmpDirs,
} from '@spindle/runtime';
import { checkAdvertised, jobManagerRpcTarget, resourceManagerAddress, taskManagerAddresses } from './addresses.js';
import { linkEngineModules } from './engine-modules.js';
import { processLogs, processWorkDir, setUpProcess } from './process-common.js';
import { PrometheusEndpoint } from './prometheus-endpoint.js';
import { taskManagerMetricGroups } from './task-manager-metrics.js';
import { cgroupMemoryLimit, deriveTaskManagerMemory, memoryLogFields, type TaskManagerMemory } from './taskmanager-memory.js';

export interface TaskManagerProcess {
  taskExecutor: TaskExecutor;
  memory: TaskManagerMemory;
  close(): Promise<void>;
}

const ADVERTISED_KEYS = { advertised: TaskManagerOptions.HOST.key, bind: TaskManagerOptions.BIND_HOST.key };

/**
 * Starts a TaskExecutor with worker-thread slots (Flink's TaskManagerRunner): sizes itself from
 * `taskmanager.memory.*` (capped by a cgroup limit), binds its RPC and data servers to
 * `taskmanager.bind-host`, advertises `taskmanager.host`, serves Prometheus `/metrics` on
 * `metrics.reporter.prom.port` (when set; announced to the JobManager), and registers with the
 * JobManager, retrying until it can. Rejects, having closed what it started, when the memory configuration
 * does not fit or the advertised address does not reach its servers.
 */
export async function startTaskManager(config: Configuration): Promise<TaskManagerProcess> {
  const memory = deriveTaskManagerMemory(config, cgroupMemoryLimit());
  const addresses = taskManagerAddresses(config);
  const clusterId = config.get(DeploymentOptions.CLUSTER_ID);
  const rpc = new GrpcRpcService({
    host: addresses.bind,
    advertisedHost: addresses.advertised,
    port: config.get(DeploymentOptions.TASK_MANAGER_RPC_PORT),
    clusterId,
  });
  const workDir = processWorkDir(config, 'taskmanager');
  // The hub needs the data port, and the TaskExecutor the hub: both are set once the server listens.
  const late: { hub?: ShuffleHub; taskExecutor?: TaskExecutor } = {};
  const server = new ShuffleServer(
    (partitionId, subpartition, link, jobId) => late.hub?.serveRemote(partitionId, subpartition, link, jobId),
    { host: addresses.bind, port: config.get(DeploymentOptions.TASK_MANAGER_DATA_PORT) },
  );
  const blobClient = new GrpcBlobClient(jobManagerRpcTarget(config), clusterId);
  const client = new ShuffleClient();
  const closeServers = async () => {
    blobClient.close();
    await Promise.all([server.close(), client.close(), rpc.close()]);
    workDir.remove();
  };
  let dataPort: number;
  try {
    await rpc.start();
    dataPort = await server.start();
    await checkAdvertised(addresses, rpc.port, ADVERTISED_KEYS);
    await checkAdvertised(addresses, dataPort, ADVERTISED_KEYS);
  } catch (e) {
    await closeServers();
    throw e;
  }
  const resourceId =
    config.get(DeploymentOptions.TASK_MANAGER_RESOURCE_ID) ?? `${addresses.advertised}:${rpc.port}-${randomHexId().slice(0, 6)}`;
  const cache = new BlobCache(path.join(workDir.path, 'blobs'), (key, target) => blobClient.fetch(key, target), linkEngineModules);
  const dataAddress = `${addresses.advertised}:${dataPort}`;
  const shuffleHub = new ShuffleHub({
    blockingStore: new BlockingPartitionStore(tmpDirs(config)),
    selfLocation: dataAddress,
    remote: (location, partitionId, subpartition, jobId) => {
      const i = location.lastIndexOf(':');
      return client.request({ host: location.slice(0, i), port: Number(location.slice(i + 1)) }, partitionId, subpartition, 0, jobId);
    },
    jobActive: (jobId) => late.taskExecutor?.hasJob(jobId) ?? false,
  });
  late.hub = shuffleHub;
  const slotConfig = config.toMap();
  const slotManaged = Math.floor(memory.managed / memory.slots);
  const prometheus = new PrometheusEndpoint(
    async () => (late.taskExecutor ? taskManagerMetricGroups(late.taskExecutor, addresses.advertised) : []),
    {
      prefix: config.get(MetricsOptions.PROMETHEUS_PREFIX),
      filterLabelValueCharacters: config.get(MetricsOptions.PROMETHEUS_FILTER_LABEL_VALUES),
    },
  );
  const metricsPort = prometheusReporterEnabled(config.get(MetricsOptions.REPORTERS))
    ? await prometheus.start(addresses.bind, config.get(MetricsOptions.PROMETHEUS_PORT)).catch(async (e: unknown) => {
        await closeServers();
        throw e;
      })
    : undefined;
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
      releasePartitions: (_jobId, ids) => shuffleHub.releaseBlocking(ids),
      holdsPartitionsOf: (jobId) => shuffleHub.blocking.holdsJob(jobId),
      releaseJobPartitions: (jobId) => shuffleHub.releaseBlockingJob(jobId),
      onJobReleased: (jobId, cause) =>
        shuffleHub.releaseJob(jobId, `the slots of job ${jobId} on the TaskManager at ${dataAddress} were freed (${cause})`),
      logs: processLogs(config),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
    },
    rpc,
    (slotIndex, tdd) => new WorkerSlotHost(slotIndex, tdd.jobId, slotConfig, shuffleHub, tdd.artifact.args, memory.slotLimits, slotManaged),
    config,
  );
  late.taskExecutor = taskExecutor;
  try {
    await taskExecutor.start(true);
  } catch (e) {
    await Promise.all([closeServers(), prometheus.close()]);
    throw e;
  }
  const metricsUrl = metricsPort === undefined ? 'none' : `http://${addresses.advertised}:${metricsPort}/metrics`;
  logStart(resourceId, memory, addresses.bind, dataAddress, rpc.address('taskexecutor', 'taskexecutor'), metricsUrl);
  return {
    taskExecutor,
    memory,
    close: async () => {
      await taskExecutor.close();
      shuffleHub.close();
      await Promise.all([closeServers(), prometheus.close()]);
    },
  };
}

/** Prints the derived sizes as Flink's TaskManager log does, and this thread's actual heap limit (V8's default, see README). */
function logStart(resourceId: string, memory: TaskManagerMemory, bind: string, data: string, rpc: string, prometheus: string): void {
  const log = getLogger('taskmanager');
  const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / (1024 * 1024));
  log.info('TaskManager memory', { ...memoryLogFields(memory), mainThreadHeapLimit: `${heapLimitMb} MiB` });
  log.info('TaskManager started', { resourceId, slots: memory.slots, rpc, data, bind, prometheus });
}

/** `spindle taskmanager` (and a YARN container): runs a TaskManager in the foreground until SIGTERM. */
export async function runTaskManager(config: Configuration): Promise<void> {
  configureLogging({ format: 'json' });
  const tm = await startTaskManager(config);
  setUpProcess('taskmanager', () => tm.close());
  await new Promise(() => undefined);
}
