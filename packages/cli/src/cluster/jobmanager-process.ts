import { ClusterOptions, DeploymentOptions, configureLogging, getLogger, type Configuration } from '@spindle/core';
import { BlobStore, Dispatcher, GrpcRpcService, ResourceManager } from '@spindle/runtime';
import { blobDir, jobManagerHost, setUpProcess } from './process-common.js';

export interface JobManagerProcess {
  rpc: GrpcRpcService;
  resourceManager: ResourceManager;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Starts the JobManager's components: ResourceManager, Dispatcher (with blob store), gRPC. */
export async function startJobManager(config: Configuration): Promise<JobManagerProcess> {
  const host = jobManagerHost(config);
  const rpc = new GrpcRpcService({ host, port: config.get(ClusterOptions.JOB_MANAGER_PORT), clusterId: config.get(DeploymentOptions.CLUSTER_ID) });
  await rpc.start();
  const rmAddress = rpc.address('resourcemanager', 'resourcemanager');
  const resourceManager = new ResourceManager(rmAddress, rpc, config);
  const dispatcher = new Dispatcher(rpc.address('dispatcher', 'dispatcher'), config, rpc, rmAddress, {
    jobMasterAddress: (jobId) => rpc.address('jobmaster', `jobmaster/${jobId}`),
    blobStore: new BlobStore(blobDir(config, 'jobmanager')),
  });
  resourceManager.start();
  dispatcher.start();
  getLogger('jobmanager').info('JobManager started', { rpc: `${host}:${rpc.port}` });
  return {
    rpc,
    resourceManager,
    dispatcher,
    close: async () => {
      dispatcher.close();
      resourceManager.close();
      await rpc.close();
    },
  };
}

/** `spindle jobmanager`: runs a JobManager in the foreground until SIGTERM. */
export async function runJobManager(config: Configuration): Promise<void> {
  configureLogging({ format: 'json' });
  const jm = await startJobManager(config);
  setUpProcess('jobmanager', () => jm.close());
  await new Promise(() => undefined);
}
