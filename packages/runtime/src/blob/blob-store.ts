import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SpindleError } from '@spindle/core';

const KEY = /^[0-9a-f]{32}$/;

/** Job bundles kept by the JobManager, addressed by the hash of their content. */
export class BlobStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  put(content: Uint8Array): string {
    const key = createHash('sha256').update(content).digest('hex').slice(0, 32);
    const file = this.path(key);
    if (!fs.existsSync(file)) {
      fs.writeFileSync(file + '.tmp', content);
      fs.renameSync(file + '.tmp', file);
    }
    return key;
  }

  get(key: string): Buffer {
    if (!KEY.test(key) || !fs.existsSync(this.path(key))) {
      throw new SpindleError(`no blob ${key} in the blob store`, { code: 'BLOB_NOT_FOUND', recoverability: 'non-recoverable' });
    }
    return fs.readFileSync(this.path(key));
  }

  path(key: string): string {
    return path.join(this.dir, `${key}.blob`);
  }
}

/**
 * A TaskManager's copy of job bundles: each bundle is fetched once, written as
 * `<dir>/<key>/job.mjs`, and `prepare(dir)` lets the process add what the bundle needs beside
 * it (the link to the engine's packages).
 */
export class BlobCache {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly fetch: (key: string) => Promise<Uint8Array>,
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
    const dir = path.join(this.dir, key);
    const file = path.join(dir, 'job.mjs');
    if (fs.existsSync(file)) return file;
    const content = await this.fetch(key);
    fs.mkdirSync(dir, { recursive: true });
    this.prepare(dir);
    fs.writeFileSync(file + '.tmp', content);
    fs.renameSync(file + '.tmp', file);
    return file;
  }
}
