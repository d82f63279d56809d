import fs from 'node:fs';
import path from 'node:path';
import { CheckpointingOptions, Configuration, CoreOptions, JobId, RestOptions, SpindleError } from '@spindle/core';
import type { JobGraphSpec } from '@spindle/protocol';
import type { JarRunRequest, JobSubmission as RestJobSubmission, UploadedJar } from '@spindle/rest';
import { PlanRunner, type BlobStore, type Dispatcher } from '@spindle/runtime';
import { linkEngineModules } from './engine-modules.js';

/**
 * Job submission on the JobManager: JobGraphs built by clients (POST /jobs) and uploaded
 * bundles whose main runs here in plan mode (POST /jars/:id/run), each in a worker thread of its
 * own (PlanRunner). Bundles go to the blob store, from which TaskManagers fetch them.
 */
export class JobSubmission {
  private readonly planDir: string;
  private readonly plans: PlanRunner;

  constructor(
    private readonly config: Configuration,
    private readonly dispatcher: Dispatcher,
    private readonly blobs: BlobStore,
    workDir: string,
  ) {
    this.planDir = path.join(workDir, 'plans');
    this.plans = new PlanRunner({
      maxConcurrent: config.get(RestOptions.JAR_RUN_MAX_CONCURRENT),
      maxQueued: config.get(RestOptions.JAR_RUN_MAX_QUEUED),
      timeoutMs: config.get(RestOptions.JAR_RUN_TIMEOUT),
    });
  }

  /** Stops plan-mode runs in progress. Idempotent. */
  close(): Promise<void> {
    return this.plans.close();
  }

  async submitJobGraph(submission: RestJobSubmission): Promise<string> {
    const jobGraph = submission.jobGraph as JobGraphSpec;
    if (!jobGraph || typeof jobGraph !== 'object' || typeof jobGraph.jobId !== 'string' || !Array.isArray(jobGraph.vertices)) {
      throw new SpindleError('the job graph is malformed: expected the JSON of a Spindle JobGraph', {
        code: 'BAD_JOB_GRAPH',
        userFacing: true,
      });
    }
    JobId.parse(jobGraph.jobId);
    const blobKey = this.blobs.put(submission.bundle);
    await this.blobs.persisted(blobKey);
    await this.dispatcher.submitJob(jobGraph, { bundlePath: '', blobKey, args: submission.programArgs });
    return jobGraph.jobId;
  }

  /** Runs an uploaded bundle's main here in plan mode and submits the job it builds. */
  async runJar(jar: UploadedJar, request: JarRunRequest): Promise<string> {
    const { blobKey, jobGraph } = await this.plan(jar, request);
    await this.blobs.persisted(blobKey);
    const entryPoint = request.entryClass;
    await this.dispatcher.submitJob(jobGraph, {
      bundlePath: '',
      blobKey,
      args: request.programArgs,
      ...(entryPoint ? { entryPoint } : {}),
    });
    return jobGraph.jobId;
  }

  /** The job graph an uploaded bundle's main builds, without submitting it (`/jars/:jarid/plan`). */
  async planJar(jar: UploadedJar, request: JarRunRequest): Promise<JobGraphSpec> {
    return (await this.plan(jar, request)).jobGraph;
  }

  private async plan(jar: UploadedJar, request: JarRunRequest): Promise<{ blobKey: string; jobGraph: JobGraphSpec }> {
    const config = new Configuration({ ...this.config.toMap(), ...request.flinkConfiguration });
    if (request.parallelism !== undefined && request.parallelism > 0) config.set(CoreOptions.DEFAULT_PARALLELISM, request.parallelism);
    // Flink's savepointPath and allowNonRestoredState of a jar run: the job starts from that savepoint.
    if (request.savepointPath) config.setString(CheckpointingOptions.STATE_RECOVERY_PATH.key, request.savepointPath);
    if (request.allowNonRestoredState) config.setString(CheckpointingOptions.IGNORE_UNCLAIMED_STATE.key, 'true');
    const blobKey = this.blobs.put(fs.readFileSync(jar.path));
    const entryPoint = request.entryClass;
    const options = { args: request.programArgs, config: config.toMap() };
    const captured = await this.plans.plan(this.materialize(blobKey), entryPoint === undefined ? options : { ...options, entryPoint });
    return { blobKey, jobGraph: { ...captured.jobGraph, ...(request.jobId ? { jobId: JobId.parse(request.jobId) } : {}) } };
  }

  private materialize(blobKey: string): string {
    const dir = path.join(this.planDir, blobKey);
    const file = path.join(dir, 'job.mjs');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dir, { recursive: true });
      linkEngineModules(dir);
      fs.copyFileSync(this.blobs.path(blobKey), file);
    }
    return file;
  }
}
