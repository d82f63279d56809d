import path from 'node:path';
import {
  ClusterOptions,
  DeploymentOptions,
  MetricsOptions,
  WebOptions,
  configureLogging,
  errorMessage,
  getLogger,
  systemScheduler,
  type Configuration,
} from '@spindle/core';
import { ClusterViewFromComponents, DirectoryJarRunner, RestServer } from '@spindle/rest';
import {
  BlobStore,
  Dispatcher,
  GrpcBlobServer,
  GrpcRpcService,
  ResourceManager,
  RuntimeSampler,
  type ApplicationStatus,
  type ResourceDriver,
} from '@spindle/runtime';
import { checkAdvertised, jobManagerAddresses, restAddresses } from './addresses.js';
import { JobSubmission } from './job-submission.js';
import { processLogs, processWorkDir, remoteBlobDir, setUpProcess, type ProcessWorkDir } from './process-common.js';
import { shownConfiguration } from './process-identity.js';

/**
 * Makes the ResourceManager's driver, or undefined for a standalone cluster (TaskManagers started
 * by hand). A YARN AppMaster passes one that talks to YARN; `spindle jobmanager` one that starts
 * local processes when `resourcemanager.driver: local-process`.
 */
export type ResourceDriverFactory = (config: Configuration) => ResourceDriver | undefined;

/**
 * What the cluster is for (Flink's deployment modes): a session serves any number of jobs and
 * lives until it is stopped; a job cluster (per-job) ends the application when the first job
 * submitted to it ends; an application cluster runs its program's main itself (`runApplication`).
 */
export type ClusterMode = 'session' | 'job' | 'application';

/** The parts of a running JobManager, for tests and for the entry points that embed one. */
export interface ClusterComponents {
  rpc: GrpcRpcService;
  rest: RestServer;
  resourceManager: ResourceManager;
  dispatcher: Dispatcher;
}

/**
 * The JobManager process as one object (Flink's ClusterEntrypoint): `start()` brings up the
 * services in Flink's order — RPC, blob store, ResourceManager with the driver from
 * `driverFactory`, Dispatcher, REST (with the web dashboard at `/` and Prometheus `/metrics`) — and, when any part cannot start (a port in use, an
 * advertised address that does not reach the RPC server), closes what did start and rejects.
 *
 * `closeAsync(status, diagnostics)` ends the application: it deregisters through the driver (on
 * YARN the application's final status), then stops the services. `closeAsync()` without a status
 * only stops this process (a signal): on YARN another attempt may then take over. Both are
 * idempotent and settle `terminated`.
 */
export class ClusterEntrypoint {
  private parts: ClusterComponents | undefined;
  private workDir: ProcessWorkDir | undefined;
  private submission: JobSubmission | undefined;
  /** Measures this process (heap, event-loop lag, GC, CPU) for the JobManager's metrics. */
  private sampler: RuntimeSampler | undefined;
  private closing: Promise<void> | undefined;
  private resolveTerminated!: (status: ApplicationStatus | undefined) => void;
  /** Resolves once closed, with the status the application ended with (undefined: not ended, only this process). */
  readonly terminated = new Promise<ApplicationStatus | undefined>((resolve) => (this.resolveTerminated = resolve));
  private readonly log = getLogger('jobmanager');

  constructor(
    private readonly config: Configuration,
    private readonly driverFactory: ResourceDriverFactory,
    private readonly mode: ClusterMode = 'session',
  ) {}

  get components(): ClusterComponents {
    if (!this.parts) throw new Error('the cluster entrypoint has not started');
    return this.parts;
  }

  /** The advertised REST address (`http://rest.address:port`), e.g. YARN's tracking URL. */
  get restUrl(): string {
    return `http://${restAddresses(this.config).advertised}:${this.components.rest.port}`;
  }

  async start(): Promise<void> {
    const config = this.config;
    const driver = this.driverFactory(config);
    const addresses = jobManagerAddresses(config);
    const clusterId = config.get(DeploymentOptions.CLUSTER_ID);
    const rpc = new GrpcRpcService({
      host: addresses.bind,
      advertisedHost: addresses.advertised,
      port: config.get(ClusterOptions.JOB_MANAGER_PORT),
      clusterId,
    });
    const workDir = processWorkDir(config, 'jobmanager');
    this.workDir = workDir;
    const blobs = new BlobStore(path.join(workDir.path, 'blobs'), remoteBlobDir(config), config);
    new GrpcBlobServer(blobs, clusterId).register(rpc);
    try {
      await rpc.start();
      await checkAdvertised(addresses, rpc.port, {
        advertised: ClusterOptions.JOB_MANAGER_ADDRESS.key,
        bind: ClusterOptions.JOB_MANAGER_BIND_HOST.key,
      });
    } catch (e) {
      await rpc.close();
      await driver?.close();
      workDir.remove();
      this.closing = Promise.resolve();
      this.resolveTerminated(undefined);
      throw e;
    }
    const rmAddress = rpc.address('resourcemanager', 'resourcemanager');
    const resourceManager = new ResourceManager(rmAddress, rpc, config, systemScheduler, driver);
    const dispatcher = new Dispatcher(rpc.address('dispatcher', 'dispatcher'), config, rpc, rmAddress, {
      jobMasterAddress: (jobId) => rpc.address('jobmaster', `jobmaster/${jobId}`),
      blobStore: blobs,
    });
    this.submission = new JobSubmission(config, dispatcher, blobs, workDir.path);
    this.sampler = new RuntimeSampler();
    const rest = new RestServer(this.clusterView(dispatcher, resourceManager, workDir, this.sampler), {
      bindAddress: restAddresses(config).bind,
      port: config.get(ClusterOptions.REST_PORT),
      refreshIntervalMs: config.get(WebOptions.REFRESH_INTERVAL),
      webSubmit: config.get(WebOptions.SUBMIT_ENABLE),
      webCancel: config.get(WebOptions.CANCEL_ENABLE),
      prometheus: {
        prefix: config.get(MetricsOptions.PROMETHEUS_PREFIX),
        filterLabelValueCharacters: config.get(MetricsOptions.PROMETHEUS_FILTER_LABEL_VALUES),
      },
    });
    this.parts = { rpc, rest, resourceManager, dispatcher };
    try {
      await resourceManager.start();
      dispatcher.start();
      await rest.start();
    } catch (e) {
      await this.closeAsync();
      throw e;
    }
    this.log.info('JobManager started', {
      rpc: `${addresses.advertised}:${rpc.port}`,
      rpcBind: addresses.bind,
      rest: this.restUrl,
      dashboard: `${this.restUrl}/`,
    });
  }

  /** Ends the application with `status` (deregistering through the driver), or, without one, only this process. */
  closeAsync(status?: ApplicationStatus, diagnostics = ''): Promise<void> {
    this.closing ??= (async () => {
      if (status !== undefined && this.parts) {
        this.log.info('application finished', { status, diagnostics });
        await this.parts.resourceManager
          .deregisterApplication(status, diagnostics)
          .catch((e: unknown) => this.log.error('could not deregister the application', { error: e }));
      }
      await this.stopServices();
    })().finally(() => this.resolveTerminated(status));
    return this.closing;
  }

  /**
   * Application mode: runs the program's main here in plan mode (as a jar run through REST
   * does), submits the job it builds under `jobId`, and ends the application with the job's
   * outcome. A main that fails ends the application FAILED with its error.
   */
  async runApplication(bundlePath: string, args: readonly string[], jobId?: string): Promise<void> {
    const jar = { id: 'application', name: path.basename(bundlePath), path: bundlePath, uploaded: Date.now(), entries: [] };
    let submitted: string;
    try {
      submitted = await this.submission!.runJar(jar, {
        programArgs: [...args],
        flinkConfiguration: {},
        ...(jobId === undefined ? {} : { jobId }),
      });
    } catch (e) {
      this.log.error("the application's main failed", { error: e });
      await this.closeAsync('FAILED', `The application's main failed: ${errorMessage(e)}`);
      return;
    }
    this.log.info('application job submitted', { jobId: submitted });
    await this.endWithJob(submitted);
  }

  /**
   * Ends the application when the job ends: FINISHED → SUCCEEDED, CANCELED → KILLED, FAILED →
   * FAILED with the failure's message (YARN's diagnostics). A SUSPENDED job (leadership lost)
   * only stops this process.
   */
  private async endWithJob(jobId: string): Promise<void> {
    const result = await this.components.dispatcher.requestJobResult(jobId);
    if (result.status === 'SUSPENDED') return this.closeAsync();
    const status = result.status === 'FINISHED' ? 'SUCCEEDED' : result.status === 'CANCELED' ? 'KILLED' : 'FAILED';
    const cause = result.failure === undefined ? '' : `: ${result.failure.name}: ${result.failure.message}`;
    return this.closeAsync(status, `Job ${jobId} (${result.jobName}) ${result.status}${cause}`);
  }

  private clusterView(
    dispatcher: Dispatcher,
    resourceManager: ResourceManager,
    workDir: ProcessWorkDir,
    sampler: RuntimeSampler,
  ): ClusterViewFromComponents {
    const submission = this.submission!;
    return new ClusterViewFromComponents({
      dispatcher,
      resourceManager,
      configuration: shownConfiguration(this.config),
      submitJob: async (s) => {
        const jobId = await submission.submitJobGraph(s);
        if (this.mode === 'job') void this.endWithJob(jobId);
        return jobId;
      },
      jarRunner: new DirectoryJarRunner(
        path.join(workDir.path, 'jars'),
        (jar, request) => submission.runJar(jar, request),
        (jar, request) => submission.planJar(jar, request),
      ),
      shutdown: () => this.closeAsync('SUCCEEDED', 'the cluster was shut down through the REST API'),
      logs: processLogs(this.config),
      sampler,
    });
  }

  /** Stops REST, then the Dispatcher's job submission and jobs, the ResourceManager (and its workers), RPC. */
  private async stopServices(): Promise<void> {
    const parts = this.parts;
    if (parts) {
      await parts.rest.close();
      await this.submission?.close();
      parts.dispatcher.close();
      await parts.resourceManager.close();
      await parts.rpc.close();
    }
    this.sampler?.close();
    this.workDir?.remove();
  }
}

/**
 * `spindle jobmanager` (and a YARN AppMaster): runs the entrypoint in the foreground with JSON
 * logs (then `afterStart`, e.g. an application's main); SIGTERM/SIGINT stop this process without ending the application; the process exits
 * once the entrypoint terminated (0, or 1 when the application FAILED).
 */
export async function runClusterEntrypoint(entrypoint: ClusterEntrypoint, afterStart?: () => Promise<void>): Promise<never> {
  configureLogging({ format: 'json' });
  await entrypoint.start();
  setUpProcess('jobmanager', () => entrypoint.closeAsync());
  if (afterStart !== undefined) void afterStart();
  const status = await entrypoint.terminated;
  process.exit(status === 'FAILED' ? 1 : 0);
}
