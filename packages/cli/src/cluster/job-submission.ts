import fs from 'node:fs';
import path from 'node:path';
import { Configuration, CoreOptions, JobId, SpindleError, randomHexId } from '@spindle/core';
import type { JobGraphSpec } from '@spindle/protocol';
import { captureProgramJob, type BlobStore, type Dispatcher } from '@spindle/runtime';
import { engineNodeModules } from '../engine-paths.js';

export interface JarRunRequest {
  programArgs?: string;
  programArgsList?: string[];
  parallelism?: number;
  entryClass?: string;
  jobId?: string;
  flinkConfiguration?: Record<string, string>;
}

export interface UploadedJar {
  id: string;
  name: string;
  uploaded: number;
  blobKey: string;
}

/** Splits Flink's `programArgs` string on whitespace, keeping quoted parts together. */
export function splitProgramArgs(args: string | undefined): string[] {
  if (!args) return [];
  return [...args.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/**
 * Job submission on the JobManager: JobGraphs built by clients (POST /jobs) and uploaded
 * bundles whose main runs here (POST /jars/:id/run). Bundles go to the blob store, from which
 * TaskManagers fetch them.
 */
export class JobSubmission {
  private readonly jars = new Map<string, UploadedJar>();
  private readonly planDir: string;

  constructor(
    private readonly config: Configuration,
    private readonly dispatcher: Dispatcher,
    private readonly blobs: BlobStore,
    workDir: string,
  ) {
    this.planDir = path.join(workDir, 'plans');
  }

  async submitJobGraph(jobGraph: JobGraphSpec, bundle: Uint8Array, args: string[]): Promise<string> {
    if (!jobGraph || typeof jobGraph.jobId !== 'string' || !Array.isArray(jobGraph.vertices)) {
      throw new SpindleError('the job graph is malformed: expected the JSON of a Spindle JobGraph', { code: 'BAD_JOB_GRAPH', userFacing: true });
    }
    JobId.parse(jobGraph.jobId);
    const blobKey = this.blobs.put(bundle);
    await this.dispatcher.submitJob(jobGraph, { bundlePath: '', blobKey, args });
    return jobGraph.jobId;
  }

  upload(fileName: string, content: Uint8Array): UploadedJar {
    const jar = { id: `${randomHexId()}_${path.basename(fileName)}`, name: path.basename(fileName), uploaded: Date.now(), blobKey: this.blobs.put(content) };
    this.jars.set(jar.id, jar);
    return jar;
  }

  list(): UploadedJar[] {
    return [...this.jars.values()];
  }

  delete(jarId: string): void {
    if (!this.jars.delete(jarId)) throw new SpindleError(`Jar ${jarId} not found`, { code: 'JAR_NOT_FOUND', userFacing: true });
  }

  /** Runs the bundle's main here in plan mode and submits the job it builds. */
  async run(jarId: string, request: JarRunRequest): Promise<string> {
    const jar = this.jars.get(jarId);
    if (!jar) throw new SpindleError(`Jar ${jarId} not found`, { code: 'JAR_NOT_FOUND', userFacing: true });
    const args = request.programArgsList ?? splitProgramArgs(request.programArgs);
    const config = new Configuration({ ...this.config.toMap(), ...(request.flinkConfiguration ?? {}) });
    if (request.parallelism !== undefined && request.parallelism > 0) config.set(CoreOptions.DEFAULT_PARALLELISM, request.parallelism);
    const captured = await captureProgramJob(this.materialize(jar), args, config.toMap(), 0, 'plan', true);
    const jobGraph = { ...captured.jobGraph, ...(request.jobId ? { jobId: JobId.parse(request.jobId) } : {}) };
    await this.dispatcher.submitJob(jobGraph, { bundlePath: '', blobKey: jar.blobKey, args });
    return jobGraph.jobId;
  }

  private materialize(jar: UploadedJar): string {
    const dir = path.join(this.planDir, jar.blobKey);
    const file = path.join(dir, 'job.mjs');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dir, { recursive: true });
      if (!fs.existsSync(path.join(dir, 'node_modules'))) fs.symlinkSync(engineNodeModules(), path.join(dir, 'node_modules'), 'dir');
      fs.copyFileSync(this.blobs.path(jar.blobKey), file);
    }
    return file;
  }
}
