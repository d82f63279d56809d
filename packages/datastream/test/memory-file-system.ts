import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import {
  FileAlreadyExistsError,
  FileNotFoundError,
  FileSystemError,
  parseFsUri,
  registerFileSystem,
  type CreateOptions,
  type FileStatus,
  type FileSystem,
  type OpenOptions,
} from '@spindle/core';

export type FsOperation = 'open' | 'create' | 'append' | 'truncate' | 'rename' | 'delete' | 'list' | 'status' | 'mkdirs' | 'write';

/**
 * The FileSystem port in memory, with WebHDFS's durability: bytes written to a create or append
 * stream reach the file only when the stream finishes (no hflush); `crash()` loses whatever open
 * streams hold, as a killed process would. `failWith` injects errors per operation and path.
 * Registered under `mem://<authority>`, one instance per authority.
 */
export class MemoryFileSystem implements FileSystem {
  readonly scheme = 'mem';
  private readonly files = new Map<string, Buffer>();
  private readonly dirs = new Set<string>(['/']);
  private readonly streams = new Set<MemoryStream>();
  private readonly now = () => Date.now();
  /** Returns an error to throw from `op` on `path`, or undefined to go on. */
  failWith: (op: FsOperation, path: string) => Error | undefined = () => undefined;

  private constructor(readonly authority: string) {}

  private static readonly registry = new Map<string, MemoryFileSystem>();
  private static next = 0;

  /** A fresh, empty file system; paths under the returned `root` (`mem://<id>/`) go to it. */
  static create(): { fs: MemoryFileSystem; root: string } {
    if (MemoryFileSystem.registry.size === 0) registerFileSystem('mem', (uri) => MemoryFileSystem.forAuthority(uri.authority));
    const fs = new MemoryFileSystem(`m${MemoryFileSystem.next++}`);
    MemoryFileSystem.registry.set(fs.authority, fs);
    return { fs, root: `mem://${fs.authority}` };
  }

  private static forAuthority(authority: string): MemoryFileSystem {
    const fs = MemoryFileSystem.registry.get(authority);
    if (fs === undefined) throw new Error(`no memory file system mem://${authority}`);
    return fs;
  }

  /** Open streams lose their unfinished bytes and accept nothing more. */
  crash(): void {
    for (const s of this.streams) s.kill();
    this.streams.clear();
  }

  /** The content of every file under `dir` (recursively), by path relative to it. */
  contents(dir = '/'): Map<string, string> {
    const base = this.key(dir);
    const out = new Map<string, string>();
    for (const [p, data] of [...this.files].sort(([a], [b]) => a.localeCompare(b))) {
      if (p.startsWith(base === '/' ? '/' : `${base}/`)) out.set(path.posix.relative(base, p), data.toString());
    }
    return out;
  }

  /** Writes a file directly (tests that corrupt or shorten files). */
  put(p: string, content: string): void {
    const key = this.key(p);
    this.addDirs(path.posix.dirname(key));
    this.files.set(key, Buffer.from(content));
  }

  async open(p: string, options: OpenOptions = {}): Promise<Readable> {
    const data = this.file('open', p);
    const start = options.offset ?? 0;
    const end = options.length === undefined ? data.length : start + options.length;
    return Readable.from([data.subarray(start, end)]);
  }

  async create(p: string, options: CreateOptions = {}): Promise<Writable> {
    const key = this.check('create', p);
    if (this.dirs.has(key)) throw new FileSystemError('is-a-directory', p, `${p} is a directory`);
    if (this.files.has(key) && options.overwrite !== true) throw new FileAlreadyExistsError(p);
    this.checkParents(p, key);
    this.addDirs(path.posix.dirname(key));
    this.files.set(key, Buffer.alloc(0));
    return this.stream(p, key);
  }

  async append(p: string): Promise<Writable> {
    this.file('append', p);
    return this.stream(p, this.key(p));
  }

  async truncate(p: string, length: number): Promise<void> {
    const data = this.file('truncate', p);
    if (length > data.length) throw new FileSystemError('io', p, `cannot truncate ${p} to ${length}: it has ${data.length} bytes`);
    this.files.set(this.key(p), data.subarray(0, length));
  }

  async rename(from: string, to: string): Promise<void> {
    const data = this.file('rename', from);
    const dst = this.check('rename', to);
    if (this.files.has(dst) || this.dirs.has(dst))
      throw new FileAlreadyExistsError(to, `Cannot rename ${from} to ${to}: ${to} already exists`);
    this.addDirs(path.posix.dirname(dst));
    this.files.delete(this.key(from));
    this.files.set(dst, data);
  }

  async delete(p: string): Promise<boolean> {
    const key = this.check('delete', p);
    return this.files.delete(key);
  }

  async list(p: string): Promise<FileStatus[]> {
    const key = this.check('list', p);
    if (this.files.has(key)) return [this.statusOf(key)];
    if (!this.dirs.has(key)) throw new FileNotFoundError(p);
    const children = new Set<string>();
    for (const k of [...this.files.keys(), ...this.dirs]) if (k !== key && path.posix.dirname(k) === key) children.add(k);
    return [...children].sort().map((k) => this.statusOf(k));
  }

  async status(p: string): Promise<FileStatus | undefined> {
    const key = this.check('status', p);
    return this.files.has(key) || this.dirs.has(key) ? this.statusOf(key) : undefined;
  }

  async mkdirs(p: string): Promise<void> {
    const key = this.check('mkdirs', p);
    this.checkParents(p, key);
    this.addDirs(key);
  }

  private stream(p: string, key: string): Writable {
    const s = new MemoryStream(
      (data) => this.files.set(key, Buffer.concat([this.files.get(key) ?? Buffer.alloc(0), data])),
      () => this.failWith('write', p),
      () => this.streams.delete(s),
    );
    this.streams.add(s);
    return s;
  }

  private statusOf(key: string): FileStatus {
    const data = this.files.get(key);
    return {
      path: `mem://${this.authority}${key}`,
      name: path.posix.basename(key),
      isDirectory: data === undefined,
      length: data?.length ?? 0,
      modificationTime: this.now(),
    };
  }

  private file(op: FsOperation, p: string): Buffer {
    const key = this.check(op, p);
    const data = this.files.get(key);
    if (data === undefined) throw new FileNotFoundError(p);
    return data;
  }

  private check(op: FsOperation, p: string): string {
    const error = this.failWith(op, p);
    if (error !== undefined) throw error;
    return this.key(p);
  }

  private checkParents(p: string, key: string): void {
    for (let dir = path.posix.dirname(key); dir !== '/'; dir = path.posix.dirname(dir)) {
      if (this.files.has(dir)) throw new FileSystemError('parent-not-directory', p, `${p}: a parent of this path is a file`);
    }
  }

  private addDirs(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = path.posix.dirname(d)) this.dirs.add(d);
  }

  /** The path inside the file system, of a `mem://` URI or of a plain absolute path. */
  private key(p: string): string {
    if (p.startsWith('/')) return path.posix.normalize(p);
    const uri = parseFsUri(p);
    if (uri.scheme !== 'mem') throw new Error(`not a mem:// path: ${p}`);
    return uri.path;
  }
}

/** Gathers written bytes; hands them to the file when it finishes, unless killed first. */
class MemoryStream extends Writable {
  private chunks: Buffer[] = [];
  private dead = false;

  constructor(
    private readonly land: (data: Buffer) => void,
    private readonly failure: () => Error | undefined,
    private readonly done: () => void,
  ) {
    super();
  }

  kill(): void {
    this.dead = true;
    this.chunks = [];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const error = this.failure();
    if (error !== undefined) return callback(error);
    if (!this.dead) this.chunks.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.dead) this.land(Buffer.concat(this.chunks));
    this.chunks = [];
    this.done();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.dead = true;
    this.done();
    callback(error);
  }
}
