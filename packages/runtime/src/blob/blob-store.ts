import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SpindleError } from '@spindle/core';

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

/** Job bundles kept by the JobManager, addressed by the hash of their content. */
export class BlobStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  put(content: Uint8Array): string {
    const key = blobKey(content);
    const file = this.path(key);
    if (!fs.existsSync(file)) {
      fs.writeFileSync(file + '.tmp', content);
      fs.renameSync(file + '.tmp', file);
    }
    return key;
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

  path(key: string): string {
    return path.join(this.dir, `${key}.blob`);
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
