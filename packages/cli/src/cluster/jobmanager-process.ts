import { ClusterOptions, DeploymentOptions, configureLogging, getLogger, systemScheduler, type Configuration } from '@spindle/core';
import { LocalProcessDriver } from './local-process-driver.js';
import { BlobStore, Dispatcher, GrpcRpcService, ResourceManager } from '@spindle/runtime';
import { blobDir, jobManagerHost, setUpProcess } from './process-common.js';

export interface JobManagerProcess {
  rpc: GrpcRpcService;
  resourceManager: ResourceManager;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Starts the JobManager's components: ResourceManager, Dispatcher (with blob store), gRPC. */
export async function startJobManager(config: Configuration, dynamic: string[] = []): Promise<JobManagerProcess> {
  const host = jobManagerHost(config);
  const rpc = new GrpcRpcService({ host, port: config.get(ClusterOptions.JOB_MANAGER_PORT), clusterId: config.get(DeploymentOptions.CLUSTER_ID) });
  await rpc.start();
  const rmAddress = rpc.address('resourcemanager', 'resourcemanager');
  const driver = config.get(DeploymentOptions.RESOURCE_DRIVER) === 'local-process' ? new LocalProcessDriver(config, dynamic) : undefined;
  const resourceManager = new ResourceManager(rmAddress, rpc, config, systemScheduler, driver);
  const dispatcher = new Dispatcher(rpc.address('dispatcher', 'dispatcher'), config, rpc, rmAddress, {
    jobMasterAddress: (jobId) => rpc.address('jobmaster', `jobmaster/${jobId}`),
    blobStore: new BlobStore(blobDir(config, 'jobmanager')),
  });
  await resourceManager.start();
  dispatcher.start();
  getLogger('jobmanager').info('JobManager started', { rpc: `${host}:${rpc.port}` });
  return {
    rpc,
    resourceManager,
    dispatcher,
    close: async () => {
      dispatcher.close();
      await resourceManager.close();
      await rpc.close();
    },
  };
}

/** `spindle jobmanager`: runs a JobManager in the foreground until SIGTERM. */
export async function runJobManager(config: Configuration, dynamic: string[] = []): Promise<void> {
  configureLogging({ format: 'json' });
  const jm = await startJobManager(config, dynamic);
  setUpProcess('jobmanager', () => jm.close());
  await new Promise(() => undefined);
}
