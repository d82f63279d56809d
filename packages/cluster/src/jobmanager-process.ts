import {
  ClusterOptions,
  ConfigurationError,
  DeploymentOptions,
  MetricsOptions,
  WebOptions,
  configureLogging,
  getLogger,
  systemScheduler,
  type Configuration,
} from '@spindle/core';
import { LocalProcessDriver } from './local-process-driver.js';
import path from 'node:path';
import { ClusterViewFromComponents, DirectoryJarRunner, RestServer } from '@spindle/rest';
import { BlobStore, Dispatcher, GrpcBlobServer, GrpcRpcService, ResourceManager, RuntimeSampler } from '@spindle/runtime';
import { JobSubmission } from './job-submission.js';
import { bindHost, jobManagerHost, processLogs, processWorkDir, setUpProcess } from './process-common.js';
import { shownConfiguration } from './process-identity.js';

export interface JobManagerProcess {
  rpc: GrpcRpcService;
  rest: RestServer;
  resourceManager: ResourceManager;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** How the process that runs a JobManager starts more processes of the cluster. */
export interface JobManagerLaunch {
  /**
   * Program and arguments that start a TaskManager with this JobManager's configuration; needed
   * with `resourcemanager.driver: local-process`.
   */
  taskManagerCommand?: readonly string[];
}

function resourceDriver(config: Configuration, launch: JobManagerLaunch): LocalProcessDriver | undefined {
  if (config.get(DeploymentOptions.RESOURCE_DRIVER) !== 'local-process') return undefined;
  if (!launch.taskManagerCommand?.length) {
    throw new ConfigurationError([
      `${DeploymentOptions.RESOURCE_DRIVER.key}: local-process needs a command that starts TaskManagers, and this JobManager was started without one`,
    ]);
  }
  return new LocalProcessDriver(config, launch.taskManagerCommand);
}

/**
 * Starts the JobManager's components: ResourceManager, Dispatcher (with blob store), gRPC and
 * REST. Resolves once the REST server listens; when any part cannot start (a port in use, say),
 * closes what did start and rejects.
 */
export async function startJobManager(config: Configuration, launch: JobManagerLaunch = {}): Promise<JobManagerProcess> {
  const driver = resourceDriver(config, launch);
  const host = jobManagerHost(config);
  const clusterId = config.get(DeploymentOptions.CLUSTER_ID);
  const rpc = new GrpcRpcService({ host, port: config.get(ClusterOptions.JOB_MANAGER_PORT), clusterId });
  const workDir = processWorkDir(config, 'jobmanager');
  const blobs = new BlobStore(path.join(workDir.path, 'blobs'));
  new GrpcBlobServer(blobs, clusterId).register(rpc);
  await rpc.start().catch((e: unknown) => {
    workDir.remove();
    throw e;
  });
  const rmAddress = rpc.address('resourcemanager', 'resourcemanager');
  const resourceManager = new ResourceManager(rmAddress, rpc, config, systemScheduler, driver);
  const dispatcher = new Dispatcher(rpc.address('dispatcher', 'dispatcher'), config, rpc, rmAddress, {
    jobMasterAddress: (jobId) => rpc.address('jobmaster', `jobmaster/${jobId}`),
    blobStore: blobs,
  });
  const submission = new JobSubmission(config, dispatcher, blobs, workDir.path);
  const sampler = new RuntimeSampler();
  let rest: RestServer | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await rest?.close();
      await submission.close();
      dispatcher.close();
      await resourceManager.close();
      await rpc.close();
      sampler.close();
      workDir.remove();
    })());
  try {
    await resourceManager.start();
    dispatcher.start();
    const view = new ClusterViewFromComponents({
      dispatcher,
      resourceManager,
      configuration: shownConfiguration(config),
      submitJob: (s) => submission.submitJobGraph(s),
      jarRunner: new DirectoryJarRunner(
        path.join(workDir.path, 'jars'),
        (jar, request) => submission.runJar(jar, request),
        (jar, request) => submission.planJar(jar, request),
      ),
      shutdown: () => close().then(() => process.exit(0)),
      logs: processLogs(config),
      sampler,
    });
    rest = new RestServer(view, {
      bindAddress: bindHost(config.get(ClusterOptions.REST_BIND_ADDRESS) ?? config.get(ClusterOptions.REST_ADDRESS)),
      port: config.get(ClusterOptions.REST_PORT),
      refreshIntervalMs: config.get(WebOptions.REFRESH_INTERVAL),
      webSubmit: config.get(WebOptions.SUBMIT_ENABLE),
      webCancel: config.get(WebOptions.CANCEL_ENABLE),
      prometheus: {
        prefix: config.get(MetricsOptions.PROMETHEUS_PREFIX),
        filterLabelValueCharacters: config.get(MetricsOptions.PROMETHEUS_FILTER_LABEL_VALUES),
      },
    });
    const restPort = await rest.start();
    getLogger('jobmanager').info('JobManager started', {
      rpc: `${host}:${rpc.port}`,
      rest: restPort,
      dashboard: `http://${host}:${restPort}/`,
    });
    return { rpc, rest, resourceManager, dispatcher, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `spindle jobmanager`: runs a JobManager in the foreground until SIGTERM. */
export async function runJobManager(config: Configuration, launch: JobManagerLaunch = {}): Promise<void> {
  configureLogging({ format: 'json' });
  const jm = await startJobManager(config, launch);
  setUpProcess('jobmanager', () => jm.close());
  await new Promise(() => undefined);
}
