import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import {
  FileAlreadyExistsError,
  FileNotFoundError,
  FileSystemError,
  parseFsUri,
  type CreateOptions,
  type FileStatus,
  type FileSystem,
  type OpenOptions,
} from '@spindle/core';
import { sleep } from './retry.js';
import type { WebHdfsClient } from './webhdfs-client.js';
import type { HdfsFileStatus } from './webhdfs-types.js';

/** How long a truncate may wait for the NameNode to recover the file's last block. */
const TRUNCATE_RECOVERY_MS = 60_000;

/**
 * `hdfs://`: the core FileSystem port on WebHDFS, for one authority (a NameNode or an HA
 * nameservice). It accepts URIs of its authority (`hdfs://<authority>/path`) and returns paths
 * in the same form; the port's contract holds where WebHDFS differs from it: RENAME's `false`
 * becomes the port's errors, an existing destination is refused rather than renamed into, and a
 * truncate completes only once the file has its new length.
 */
export class HdfsFileSystem implements FileSystem {
  readonly scheme = 'hdfs';

  private connected: WebHdfsClient | undefined;

  /**
   * `connect` finds the NameNodes of the authority (in the Hadoop configuration) when the file
   * system is first used; it throws, naming the path, when they cannot be found, and is asked
   * again on the next call.
   */
  constructor(
    /** The authority as users write it ('' for `hdfs:///path`). */
    private readonly authority: string,
    private readonly connect: (userPath: string) => WebHdfsClient,
  ) {}

  /** The WebHDFS client of this file system; `userPath` names the path in an error. */
  client(userPath = this.uri('/')): WebHdfsClient {
    return (this.connected ??= this.connect(userPath));
  }

  async open(p: string, options: OpenOptions = {}): Promise<Readable> {
    const file = this.hdfsPath(p);
    const offset = options.offset ?? 0;
    if (options.length === 0 || offset > 0) {
      // WebHDFS refuses an offset at or past the end (and length 0 means "to the end"): answer as a local file does.
      const status = await this.fileStatus(p, file);
      if (options.length === 0 || offset >= status.length) return Readable.from([]);
    }
    try {
      return await this.client(p).open(file, offset, options.length);
    } catch (e) {
      throw await this.explainNotFound(e, p, file);
    }
  }

  async create(p: string, options: CreateOptions = {}): Promise<Writable> {
    return this.client(p).create(this.hdfsPath(p), { overwrite: options.overwrite === true });
  }

  async append(p: string): Promise<Writable> {
    return this.client(p).append(this.hdfsPath(p));
  }

  async truncate(p: string, length: number): Promise<void> {
    const file = this.hdfsPath(p);
    if (await this.client(p).truncate(file, length)) return;
    // The last block is being recovered; the file takes its new length (and accepts appends) after that.
    const deadline = Date.now() + TRUNCATE_RECOVERY_MS;
    while ((await this.fileStatus(p, file)).length !== length) {
      if (Date.now() > deadline) throw new FileSystemError('io', p, `Truncating ${p} to ${length} bytes did not complete in time`);
      await sleep(100);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.hdfsPath(from);
    const dst = this.hdfsPath(to);
    // HDFS moves a source into an existing directory; the port refuses any existing destination.
    if ((await this.client(from).getFileStatus(dst)) !== undefined)
      throw new FileAlreadyExistsError(to, `Cannot rename ${from} to ${to}: ${to} already exists`);
    if ((await this.client(from).getFileStatus(src)) === undefined)
      throw new FileNotFoundError(from, `Cannot rename ${from}: it does not exist`);
    await this.client(from).mkdirs(path.posix.dirname(dst));
    if (await this.client(from).rename(src, dst)) return;
    // RENAME said false: find out why, as the port names the reason.
    if ((await this.client(from).getFileStatus(src)) === undefined)
      throw new FileNotFoundError(from, `Cannot rename ${from}: it does not exist`);
    if ((await this.client(from).getFileStatus(dst)) !== undefined)
      throw new FileAlreadyExistsError(to, `Cannot rename ${from} to ${to}: ${to} already exists`);
    throw new FileSystemError('io', from, `HDFS did not rename ${from} to ${to} (RENAME answered false)`);
  }

  async delete(p: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    return this.client(p).delete(this.hdfsPath(p), options.recursive === true);
  }

  async list(p: string): Promise<FileStatus[]> {
    const out: FileStatus[] = [];
    for await (const s of this.listIterator(p)) out.push(s);
    return out;
  }

  async *listIterator(p: string): AsyncIterable<FileStatus> {
    const dir = this.hdfsPath(p);
    for await (const batch of this.client(p).listStatusBatches(dir)) {
      for (const s of batch) yield this.toStatus(s.pathSuffix === '' ? dir : path.posix.join(dir, s.pathSuffix), s);
    }
  }

  async status(p: string): Promise<FileStatus | undefined> {
    const file = this.hdfsPath(p);
    const s = await this.client(p).getFileStatus(file);
    return s === undefined ? undefined : this.toStatus(file, s);
  }

  async mkdirs(p: string): Promise<void> {
    const dir = this.hdfsPath(p);
    if (!(await this.client(p).mkdirs(dir)))
      throw new FileSystemError('io', p, `HDFS did not create the directory ${p} (MKDIRS answered false)`);
  }

  /** Sets a path's permission (octal string, e.g. `700`): SETPERMISSION. */
  async setPermission(p: string, permission: string): Promise<void> {
    await this.client(p).setPermission(this.hdfsPath(p), permission);
  }

  /** The user's home directory on this HDFS, e.g. `hdfs:///user/alice`. */
  async homeDirectory(): Promise<string> {
    return this.uri(await this.client().getHomeDirectory());
  }

  private hdfsPath(p: string): string {
    const uri = parseFsUri(p);
    if (uri.scheme !== 'hdfs' || uri.authority !== this.authority) {
      throw new FileSystemError('unknown-scheme', p, `${p} does not belong to the file system hdfs://${this.authority}`);
    }
    return uri.path;
  }

  private uri(hdfsPath: string): string {
    return `hdfs://${this.authority}${hdfsPath}`;
  }

  private async fileStatus(p: string, file: string): Promise<HdfsFileStatus> {
    const s = await this.client(p).getFileStatus(file);
    if (s === undefined) throw new FileNotFoundError(p);
    if (s.type === 'DIRECTORY') throw isADirectory(p);
    return s;
  }

  /** OPEN of a directory answers FileNotFoundException: the port calls that is-a-directory. */
  private async explainNotFound(e: unknown, p: string, file: string): Promise<unknown> {
    if (!(e instanceof FileSystemError) || e.kind !== 'not-found') return e;
    const s = await this.client(p)
      .getFileStatus(file)
      .catch(() => undefined);
    return s?.type === 'DIRECTORY' ? isADirectory(p) : e;
  }

  private toStatus(hdfsPath: string, s: HdfsFileStatus): FileStatus {
    return {
      path: this.uri(hdfsPath),
      name: path.posix.basename(hdfsPath),
      isDirectory: s.type === 'DIRECTORY',
      length: s.type === 'DIRECTORY' ? 0 : s.length,
      modificationTime: s.modificationTime,
      owner: s.owner,
      group: s.group,
      permission: s.permission,
    };
  }
}

function isADirectory(p: string): FileSystemError {
  return new FileSystemError('is-a-directory', p, `${p} is a directory, not a file: name a file inside it`);
}
