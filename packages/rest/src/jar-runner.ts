import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobGraphSpec } from '@spindle/protocol';
import type { JarRunRequest, UploadedJar } from './cluster-view.js';
import { JarNotFoundError, UnsupportedOperationError } from './errors.js';

/**
 * Stores and runs programs uploaded through `/jars` (JavaScript bundles or archives; the name
 * "jar" is Flink's). Supplied by the cluster wiring; the REST layer only passes bytes, ids and
 * run requests through.
 *
 * Contract: `upload` resolves once the bytes are durably stored; `run` resolves with the job id
 * once the job has been submitted (not finished); `plan` resolves with the job graph the
 * program builds, without submitting it; unknown ids reject with `JarNotFoundError`.
 */
export interface JarRunner {
  upload(fileName: string, bytes: Uint8Array): Promise<UploadedJar>;
  list(): Promise<UploadedJar[]>;
  delete(jarId: string): Promise<void>;
  run(jarId: string, request: JarRunRequest): Promise<string>;
  plan(jarId: string, request: JarRunRequest): Promise<JobGraphSpec>;
}

/** Runs the main of a stored upload in plan mode; resolves with the job graph it built. */
export type ProgramPlanner = (jar: UploadedJar, request: JarRunRequest) => Promise<JobGraphSpec>;

/** Submits the program of a stored upload; resolves with the submitted job's id. */
export type ProgramLauncher = (jar: UploadedJar, request: JarRunRequest) => Promise<string>;

const STORED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_(.+)$/;

/** A jar id names a file inside the upload directory, never a path. */
export function isValidJarId(jarId: string): boolean {
  return jarId.length > 0 && jarId !== '.' && jarId !== '..' && !/[/\\\0]/.test(jarId);
}

/** The base name of an uploaded file name, without directories or control characters. */
export function safeFileName(fileName: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed
  const base = path.posix.basename(fileName.replace(/\\/g, '/')).replace(/[\x00-\x1f\x7f]/g, '');
  return base === '' || base === '.' || base === '..' ? 'upload' : base;
}

/**
 * Keeps uploads as `<uuid>_<name>` files in one directory (Flink's `web.upload.dir` layout) and
 * hands runs to a launcher.
 */
export class DirectoryJarRunner implements JarRunner {
  constructor(
    readonly directory: string,
    private readonly launch: ProgramLauncher,
    private readonly planner?: ProgramPlanner,
  ) {}

  async upload(fileName: string, bytes: Uint8Array): Promise<UploadedJar> {
    await fs.mkdir(this.directory, { recursive: true });
    const id = `${randomUUID()}_${safeFileName(fileName)}`;
    const file = path.join(this.directory, id);
    await fs.writeFile(file, bytes, { flag: 'wx' });
    return this.describe(id);
  }

  async list(): Promise<UploadedJar[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const jars = await Promise.all(names.filter((n) => STORED_NAME.test(n)).map((n) => this.describe(n).catch(() => undefined)));
    return jars.filter((j): j is UploadedJar => j !== undefined).sort((a, b) => b.uploaded - a.uploaded);
  }

  async delete(jarId: string): Promise<void> {
    if (!isValidJarId(jarId)) throw new JarNotFoundError(jarId);
    try {
      await fs.unlink(path.join(this.directory, jarId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new JarNotFoundError(jarId);
      throw e;
    }
  }

  async run(jarId: string, request: JarRunRequest): Promise<string> {
    return this.launch(await this.stored(jarId), request);
  }

  async plan(jarId: string, request: JarRunRequest): Promise<JobGraphSpec> {
    const jar = await this.stored(jarId);
    if (!this.planner) throw new UnsupportedOperationError('This cluster cannot plan uploaded programs.');
    return this.planner(jar, request);
  }

  private async stored(jarId: string): Promise<UploadedJar> {
    if (!isValidJarId(jarId)) throw new JarNotFoundError(jarId);
    return this.describe(jarId).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new JarNotFoundError(jarId);
      throw e;
    });
  }

  private async describe(id: string): Promise<UploadedJar> {
    const file = path.join(this.directory, id);
    const stat = await fs.stat(file);
    return { id, name: STORED_NAME.exec(id)?.[1] ?? id, path: file, uploaded: Math.round(stat.mtimeMs), entries: [] };
  }
}
