import { ClusterOptions, DeploymentOptions, configureLogging, getLogger, systemScheduler, type Configuration } from '@spindle/core';
import { LocalProcessDriver } from './local-process-driver.js';
import path from 'node:path';
import { ClusterViewFromComponents, DirectoryJarRunner, RestServer } from '@spindle/rest';
import { BlobStore, Dispatcher, GrpcRpcService, ResourceManager } from '@spindle/runtime';
import { JobSubmission } from './job-submission.js';
import { bindHost, blobDir, jobManagerHost, setUpProcess } from './process-common.js';

export interface JobManagerProcess {
  rpc: GrpcRpcService;
  rest: RestServer;
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
  const blobs = new BlobStore(blobDir(config, 'jobmanager'));
  const dispatcher = new Dispatcher(rpc.address('dispatcher', 'dispatcher'), config, rpc, rmAddress, {
    jobMasterAddress: (jobId) => rpc.address('jobmaster', `jobmaster/${jobId}`),
    blobStore: blobs,
  });
  await resourceManager.start();
  dispatcher.start();
  const submission = new JobSubmission(config, dispatcher, blobs, blobDir(config, 'jobmanager'));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await rest.close();
      await submission.close();
      dispatcher.close();
      await resourceManager.close();
      await rpc.close();
    })());
  const view = new ClusterViewFromComponents({
    dispatcher,
    resourceManager,
    configuration: config,
    submitJob: (s) => submission.submitJobGraph(s),
    jarRunner: new DirectoryJarRunner(path.join(blobDir(config, 'jobmanager'), 'uploads'), (jar, request) => submission.runJar(jar, request)),
    shutdown: () => close().then(() => process.exit(0)),
  });
  const rest = new RestServer(view, {
    bindAddress: bindHost(config.get(ClusterOptions.REST_BIND_ADDRESS) ?? config.get(ClusterOptions.REST_ADDRESS)),
    port: config.get(ClusterOptions.REST_PORT),
  });
  const restPort = await rest.start().catch(async (e: unknown) => {
    await close();
    throw e;
  });
  getLogger('jobmanager').info('JobManager started', { rpc: `${host}:${rpc.port}`, rest: restPort });
  return { rpc, rest, resourceManager, dispatcher, close };
}

/** `spindle jobmanager`: runs a JobManager in the foreground until SIGTERM. */
export async function runJobManager(config: Configuration, dynamic: string[] = []): Promise<void> {
  configureLogging({ format: 'json' });
  const jm = await startJobManager(config, dynamic);
  setUpProcess('jobmanager', () => jm.close());
  await new Promise(() => undefined);
}
