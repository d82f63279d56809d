import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import {
  AccessDeniedError,
  FileAlreadyExistsError,
  FileNotFoundError,
  FileSystemError,
  type CreateOptions,
  type FileStatus,
  type FileSystem,
  type OpenOptions,
} from './file-system.js';

/**
 * Read-ahead of a local read stream: one buffer the reader can work on while the next one is read
 * (node's default of 64 KiB costs a thread-pool round trip per 64 KiB and leaves readers waiting).
 */
const READ_CHUNK = 1 << 20;
/**
 * Bytes a local write stream queues before it asks writers to wait for 'drain' (node's default of
 * 16 KiB makes every larger write wait for the disk before the next one is handed over).
 */
const WRITE_QUEUE = 4 << 20;

/** `file://`: the local disk through node:fs, with the port's error kinds. */
export class LocalFileSystem implements FileSystem {
  static readonly INSTANCE = new LocalFileSystem();
  readonly scheme = 'file';

  async open(p: string, options: OpenOptions = {}): Promise<Readable> {
    const file = localPath(p);
    const offset = options.offset ?? 0;
    const handle = await guard(file, () => fsp.open(file, 'r'));
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw new FileSystemError('is-a-directory', p, `${p} is a directory, not a file: name a file inside it`);
    }
    const end = options.length === undefined ? undefined : offset + options.length - 1;
    if (end !== undefined && end < offset) {
      await handle.close();
      return Readable.from([]);
    }
    return handle.createReadStream({ start: offset, end, autoClose: true, highWaterMark: READ_CHUNK });
  }

  async create(p: string, options: CreateOptions = {}): Promise<Writable> {
    const file = localPath(p);
    await guard(file, () => fsp.mkdir(path.dirname(file), { recursive: true }));
    const handle = await guard(file, () => fsp.open(file, options.overwrite === true ? 'w' : 'wx'));
    return handle.createWriteStream({ autoClose: true, highWaterMark: WRITE_QUEUE });
  }

  async append(p: string): Promise<Writable> {
    const file = localPath(p);
    const stat = await this.status(file);
    if (stat === undefined) throw new FileNotFoundError(p, `${p} does not exist: cannot append to it`);
    const handle = await guard(file, () => fsp.open(file, 'a'));
    return handle.createWriteStream({ autoClose: true, highWaterMark: WRITE_QUEUE });
  }

  async truncate(p: string, length: number): Promise<void> {
    const file = localPath(p);
    await guard(file, () => fsp.truncate(file, length));
  }

  async rename(from: string, to: string): Promise<void> {
    const src = localPath(from);
    const dst = localPath(to);
    if ((await this.status(src)) === undefined) throw new FileNotFoundError(from, `Cannot rename ${from}: it does not exist`);
    if ((await this.status(dst)) !== undefined)
      throw new FileAlreadyExistsError(to, `Cannot rename ${from} to ${to}: ${to} already exists`);
    await guard(dst, () => fsp.mkdir(path.dirname(dst), { recursive: true }));
    await guard(src, () => fsp.rename(src, dst));
  }

  async delete(p: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    const file = localPath(p);
    const stat = await this.status(file);
    if (stat === undefined) return false;
    if (stat.isDirectory && options.recursive !== true) {
      const entries = await guard(file, () => fsp.readdir(file));
      if (entries.length > 0)
        throw new FileSystemError('directory-not-empty', p, `Cannot delete ${p}: the directory is not empty (delete recursively)`);
      await guard(file, () => fsp.rmdir(file));
      return true;
    }
    await guard(file, () => fsp.rm(file, { recursive: true, force: true }));
    return true;
  }

  async list(p: string): Promise<FileStatus[]> {
    const dir = localPath(p);
    const stat = await this.status(dir);
    if (stat === undefined) throw new FileNotFoundError(p);
    if (!stat.isDirectory) return [stat];
    const names = (await guard(dir, () => fsp.readdir(dir))).sort();
    const out: FileStatus[] = [];
    for (const name of names) {
      const s = await this.status(path.join(dir, name));
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  async *listIterator(p: string): AsyncIterable<FileStatus> {
    // Local names are cheap to hold; name order needs them all anyway.
    yield* await this.list(p);
  }

  async status(p: string): Promise<FileStatus | undefined> {
    const file = localPath(p);
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw mapError(file, e);
    }
    return {
      path: file,
      name: path.basename(file),
      isDirectory: stat.isDirectory(),
      length: stat.isDirectory() ? 0 : stat.size,
      modificationTime: stat.mtimeMs,
      permission: (stat.mode & 0o777).toString(8),
    };
  }

  async mkdirs(p: string): Promise<void> {
    const dir = localPath(p);
    await guard(dir, () => fsp.mkdir(dir, { recursive: true }));
  }
}

function localPath(p: string): string {
  if (p.startsWith('file:')) {
    const rest = p.slice('file:'.length);
    return path.resolve(rest.startsWith('//') ? decodeURIComponent(rest.slice(rest.indexOf('/', 2))) : rest);
  }
  return path.resolve(p);
}

async function guard<T>(p: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw mapError(p, e);
  }
}

function mapError(p: string, e: unknown): Error {
  if (e instanceof FileSystemError) return e;
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return new FileNotFoundError(p, undefined, e);
    case 'EEXIST':
      return new FileAlreadyExistsError(p, undefined, e);
    case 'EACCES':
    case 'EPERM':
      return new AccessDeniedError(p, undefined, e);
    case 'ENOTDIR':
      return new FileSystemError('parent-not-directory', p, `${p}: a parent of this path is a file, not a directory`, e);
    case 'EISDIR':
      return new FileSystemError('is-a-directory', p, `${p} is a directory, not a file: name a file inside it`, e);
    case 'ENOTEMPTY':
      return new FileSystemError('directory-not-empty', p, `${p}: the directory is not empty`, e);
    default:
      return new FileSystemError('io', p, `I/O error on ${p}: ${err.message}`, e);
  }
}
