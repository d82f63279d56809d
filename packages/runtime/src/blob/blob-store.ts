import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileSystemError, SpindleError, childPath, errorMessage, fileSystemFor, type Configuration } from '@spindle/core';

const KEY = /^[0-9a-f]{32}$/;

/** A blob's key: the first 32 hex digits of the SHA-256 of its content. */
export function blobKey(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 32);
}

/** The key of the content of a file, read as a stream. */
export async function fileBlobKey(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex').slice(0, 32);
}

function notFound(key: string): SpindleError {
  return new SpindleError(`no blob ${key} in the blob store`, { code: 'BLOB_NOT_FOUND', recoverability: 'non-recoverable' });
}

/**
 * Job bundles kept by the JobManager, addressed by the hash of their content, in a local
 * directory from which they are served. With a durable directory (`remoteDir`, any scheme of the
 * FileSystem port, e.g. `hdfs:///spindle/blobs`), every blob is also copied there, and a blob
 * missing locally (a JobManager that took over a job) is brought back from it; the local copy
 * stays the one served.
 */
export class BlobStore {
  private readonly uploads = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly remoteDir?: string,
    private readonly config?: Configuration,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  put(content: Uint8Array): string {
    const key = blobKey(content);
    const file = this.path(key);
    if (!fs.existsSync(file)) {
      fs.writeFileSync(file + '.tmp', content);
      fs.renameSync(file + '.tmp', file);
    }
    if (this.remoteDir !== undefined && !this.uploads.has(key)) {
      const upload = this.upload(key, this.remoteDir);
      this.uploads.set(key, upload);
      upload.catch(() => this.uploads.delete(key));
    }
    return key;
  }

  /** Resolves once blob `key` is in the durable directory (at once without one); rejects naming the directory. */
  async persisted(key: string): Promise<void> {
    await this.uploads.get(key);
  }

  get(key: string): Buffer {
    return fs.readFileSync(this.file(key).path);
  }

  /** The file of a stored blob and its size, for streaming it; BLOB_NOT_FOUND for an unknown key. */
  file(key: string): { path: string; size: number } {
    if (!KEY.test(key)) throw notFound(key);
    const file = this.path(key);
    try {
      return { path: file, size: fs.statSync(file).size };
    } catch {
      throw notFound(key);
    }
  }

  /** As {@link file}, first bringing a blob missing here back from the durable directory. */
  async localFile(key: string): Promise<{ path: string; size: number }> {
    if (!KEY.test(key) || this.remoteDir === undefined || fs.existsSync(this.path(key))) return this.file(key);
    const { fs: remote } = await fileSystemFor(this.remoteDir, this.config);
    const source = childPath(this.remoteDir, `${key}.blob`);
    if ((await remote.status(source)) === undefined) throw notFound(key);
    const part = `${this.path(key)}.${randomBytes(4).toString('hex')}.part`;
    try {
      await pipeline(await remote.open(source), fs.createWriteStream(part));
      const actual = await fileBlobKey(part);
      if (actual !== key) {
        throw new SpindleError(`the blob ${key} in ${this.remoteDir} is corrupt (its content hashes to ${actual})`, {
          code: 'BLOB_CORRUPT',
          recoverability: 'environment',
        });
      }
      fs.renameSync(part, this.path(key));
    } finally {
      fs.rmSync(part, { force: true });
    }
    return this.file(key);
  }

  path(key: string): string {
    return path.join(this.dir, `${key}.blob`);
  }

  /** Copies a blob to the durable directory under a temporary name, then renames it: a blob there is always whole. */
  private async upload(key: string, remoteDir: string): Promise<void> {
    try {
      const { fs: remote } = await fileSystemFor(remoteDir, this.config);
      const target = childPath(remoteDir, `${key}.blob`);
      if ((await remote.status(target)) !== undefined) return;
      const part = childPath(remoteDir, `.${key}.${randomBytes(4).toString('hex')}.part`);
      await pipeline(fs.createReadStream(this.path(key)), await remote.create(part));
      try {
        await remote.rename(part, target);
      } catch (e) {
        await remote.delete(part);
        // Another JobManager stored the same content meanwhile.
        if (!(e instanceof FileSystemError && e.kind === 'already-exists')) throw e;
      }
    } catch (e) {
      throw new SpindleError(`cannot store blob ${key} in ${remoteDir}: ${errorMessage(e)}`, {
        code: 'BLOB_STORE_IO',
        recoverability: 'environment',
        userFacing: e instanceof FileSystemError && e.userFacing,
        cause: e,
      });
    }
  }
}

/**
 * Fetches a blob into `target`, a file the cache owns; resolves once every byte is written. The
 * cache checks the content against the key afterwards, so a transport need not.
 */
export type BlobFetcher = (key: string, target: string) => Promise<void>;

/**
 * A TaskManager's copy of job bundles: each bundle is fetched once into a temporary name,
 * checked against its key (the hash of its content), then renamed to `<dir>/<key>/job.mjs`, so
 * that a partial or corrupt download is never used. `prepare(dir)` lets the process add what the
 * bundle needs beside it (the link to the engine's packages).
 */
export class BlobCache {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly fetch: BlobFetcher,
    private readonly prepare: (dir: string) => void,
  ) {}

  bundlePath(key: string): Promise<string> {
    let p = this.pending.get(key);
    if (!p) {
      p = this.materialize(key);
      this.pending.set(key, p);
      p.catch(() => this.pending.delete(key));
    }
    return p;
  }

  private async materialize(key: string): Promise<string> {
    if (!KEY.test(key)) throw notFound(key);
    const dir = path.join(this.dir, key);
    const file = path.join(dir, 'job.mjs');
    if (fs.existsSync(file)) return file;
    fs.mkdirSync(dir, { recursive: true });
    const part = `${file}.${randomBytes(4).toString('hex')}.part`;
    try {
      await this.fetch(key, part);
      const actual = await fileBlobKey(part);
      if (actual !== key) {
        throw new SpindleError(`the blob ${key} arrived corrupt (its content hashes to ${actual})`, {
          code: 'BLOB_CORRUPT',
          recoverability: 'environment',
        });
      }
      this.prepare(dir);
      fs.renameSync(part, file);
      return file;
    } finally {
      fs.rmSync(part, { force: true });
    }
  }
}
