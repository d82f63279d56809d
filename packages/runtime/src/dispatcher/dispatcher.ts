import { Configuration, SpindleError, getLogger } from '@spindle/core';
import type { JobArtifact, JobExecutionResultSpec, JobGraphSpec, JobStatus } from '@spindle/protocol';
import { JobMaster } from '../jobmaster/job-master.js';
import type { DispatcherGateway, JobDetailsSummary, ResourceManagerGateway } from '../rpc/gateways.js';
import type { RpcService } from '../rpc/rpc-service.js';
import type { BlobStore } from '../blob/blob-store.js';

export interface DispatcherOptions {
  /** The rpc address of a job's JobMaster. */
  jobMasterAddress?: (jobId: string) => string;
  blobStore?: BlobStore;
}

/** Accepts jobs, starts one JobMaster per job, and keeps jobs and their results for queries. */
export class Dispatcher implements DispatcherGateway {
  private readonly jobs = new Map<string, JobMaster>();
  private readonly log = getLogger('dispatcher');

  constructor(
    readonly address: string,
    private readonly config: Configuration,
    private readonly rpc: RpcService,
    private readonly resourceManagerAddress: string,
    private readonly options: DispatcherOptions = {},
  ) {}

  start(): void {
    this.rpc.register(this.address, this);
  }

  close(): void {
    for (const jm of this.jobs.values()) jm.cancel();
    this.rpc.unregister(this.address);
  }

  async submitJob(jobGraph: JobGraphSpec, artifact: JobArtifact): Promise<void> {
    if (this.jobs.has(jobGraph.jobId)) {
      throw new SpindleError(`job ${jobGraph.jobId} was already submitted`, { code: 'DUPLICATE_JOB', userFacing: true });
    }
    const config = this.config.clone();
    for (const [k, v] of Object.entries(jobGraph.config)) config.setString(k, v);
    const rm = this.rpc.connect<ResourceManagerGateway>(this.resourceManagerAddress);
    const address = this.options.jobMasterAddress?.(jobGraph.jobId) ?? `jobmaster/${jobGraph.jobId}`;
    const jm = new JobMaster(jobGraph, artifact, config, this.rpc, address, rm);
    this.jobs.set(jobGraph.jobId, jm);
    this.log.info('job submitted', { jobId: jobGraph.jobId, name: jobGraph.name });
    jm.start();
  }

  async cancelJob(jobId: string): Promise<void> {
    this.job(jobId).cancel();
  }

  async requestJobStatus(jobId: string): Promise<JobStatus> {
    return this.job(jobId).graph.status;
  }

  async requestJobResult(jobId: string): Promise<JobExecutionResultSpec> {
    return this.job(jobId).result;
  }

  async listJobs(): Promise<JobDetailsSummary[]> {
    return [...this.jobs.values()].map((jm) => {
      const ts = jm.graph.timestamps;
      const status = jm.graph.status;
      const terminal = status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED';
      return {
        jobId: jm.jobId,
        name: jm.jobGraph.name,
        status,
        startTime: ts.INITIALIZING ?? -1,
        endTime: terminal ? (ts[status] ?? -1) : -1,
      };
    });
  }

  /** Stores a job bundle; returns its key. */
  putBlob(content: Uint8Array): string {
    if (!this.options.blobStore) throw new SpindleError('this cluster has no blob store', { code: 'BLOB_NOT_FOUND' });
    return this.options.blobStore.put(content);
  }

  /** The JobMaster of a job, for in-process observers (tests, the REST layer). */
  jobMaster(jobId: string): JobMaster | undefined {
    return this.jobs.get(jobId);
  }

  private job(jobId: string): JobMaster {
    const jm = this.jobs.get(jobId);
    if (!jm) throw new SpindleError(`Job ${jobId} not found`, { code: 'JOB_NOT_FOUND', userFacing: true });
    return jm;
  }
}
