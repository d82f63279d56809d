import { randomUUID } from 'node:crypto';
import { randomHexId } from '@spindle/core';
import type { JobGraphSpec } from '@spindle/protocol';
import type { JarRunRequest, UploadedJar } from '../cluster-view.js';
import { JarNotFoundError, UnsupportedOperationError } from '../errors.js';
import type { JarRunner } from '../jar-runner.js';

/** Keeps uploads in memory and "runs" them by handing out job ids; records every run. */
export class TestingJarRunner implements JarRunner {
  readonly stored = new Map<string, { jar: UploadedJar; bytes: Uint8Array }>();
  readonly runs: Array<{ jarId: string; request: JarRunRequest; jobId: string }> = [];

  constructor(
    private readonly launch: (jar: UploadedJar, request: JarRunRequest) => Promise<string> = async (_jar, r) => r.jobId ?? randomHexId(),
    private readonly planner?: (jar: UploadedJar, request: JarRunRequest) => Promise<JobGraphSpec>,
  ) {}

  async plan(jarId: string, request: JarRunRequest): Promise<JobGraphSpec> {
    const stored = this.stored.get(jarId);
    if (!stored) throw new JarNotFoundError(jarId);
    if (!this.planner) throw new UnsupportedOperationError('This runner cannot plan programs.');
    return this.planner(stored.jar, request);
  }

  async upload(fileName: string, bytes: Uint8Array): Promise<UploadedJar> {
    const id = `${randomUUID()}_${fileName}`;
    const jar: UploadedJar = { id, name: fileName, path: `/memory/${id}`, uploaded: Date.now(), entries: [] };
    this.stored.set(id, { jar, bytes: Uint8Array.from(bytes) });
    return jar;
  }

  async list(): Promise<UploadedJar[]> {
    return [...this.stored.values()].map((s) => s.jar);
  }

  async delete(jarId: string): Promise<void> {
    if (!this.stored.delete(jarId)) throw new JarNotFoundError(jarId);
  }

  async run(jarId: string, request: JarRunRequest): Promise<string> {
    const stored = this.stored.get(jarId);
    if (!stored) throw new JarNotFoundError(jarId);
    const jobId = await this.launch(stored.jar, request);
    this.runs.push({ jarId, request, jobId });
    return jobId;
  }
}
