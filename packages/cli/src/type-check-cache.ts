import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VERSION } from './version.js';

/**
 * Remembers jobs that type-checked cleanly: the job's own source files (everything outside
 * node_modules) with the hash of their contents. A job is clean again only while every one of
 * those files is unchanged and the engine version is the same.
 */
class TypeCheckCache {
  private readonly dir = path.join(os.tmpdir(), `spindle-typecheck-${process.getuid?.() ?? 'user'}`);

  isClean(jobFile: string): boolean {
    try {
      const entry = JSON.parse(fs.readFileSync(this.entryPath(jobFile), 'utf8')) as { version: string; files: Record<string, string> };
      if (entry.version !== VERSION) return false;
      return Object.entries(entry.files).every(([file, digest]) => fs.existsSync(file) && hashFile(file) === digest);
    } catch {
      return false;
    }
  }

  recordClean(jobFile: string, files: string[]): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const entry = { version: VERSION, files: Object.fromEntries(files.map((f) => [f, hashFile(f)])) };
      fs.writeFileSync(this.entryPath(jobFile), JSON.stringify(entry));
    } catch {
      // A cache that cannot be written only costs the next run a type check.
    }
  }

  private entryPath(jobFile: string): string {
    return path.join(this.dir, createHash('sha256').update(path.resolve(jobFile)).digest('hex').slice(0, 32) + '.json');
  }
}

function hashFile(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export const typeCheckCache = new TypeCheckCache();
