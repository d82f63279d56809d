import type { Readable, Writable } from 'node:stream';
import { FileSystemError } from '@spindle/core';
import type { NameNodes } from './namenodes.js';
import { classifyRemoteException, parseRemoteException, remoteError } from './remote-errors.js';
import { DEFAULT_RETRY_POLICY, backoffMs, classifyNetworkError, networkErrorText, sleep, type RetryPolicy } from './retry.js';
import { DownloadStream, UploadStream } from './webhdfs-streams.js';
import type { ContentSummary, CreateParameters, HdfsFileStatus } from './webhdfs-types.js';

export interface WebHdfsClientOptions {
  readonly namenodes: NameNodes;
  /** The HDFS user (`user.name`): simple authentication. */
  readonly user: string;
  /** How users write this file system's paths, for messages: `hdfs://` + the authority as given. */
  readonly displayPrefix?: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Send `X-XSRF-HEADER` on requests that change something (`dfs.webhdfs.rest-csrf.enabled`). */
  readonly csrf?: boolean;
  /** Where the NameNode addresses came from, for messages about unreachable NameNodes. */
  readonly configOrigin?: string;
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** One NameNode request: `idempotent` requests are repeated after failures that may have reached the server. */
interface Call {
  readonly op: string;
  readonly method: Method;
  readonly path: string;
  readonly params?: Record<string, string | number | boolean | undefined>;
  readonly idempotent: boolean;
}

/**
 * A WebHDFS client on `fetch` (HDFS's REST API on the NameNode's HTTP port). Paths are absolute
 * HDFS paths (`/user/a/file`). Every error is a FileSystemError of the core port, naming the path
 * as users wrote it. NameNode requests are repeated with backoff only when that is safe: the
 * request never reached a server, the NameNode asked for it (RetriableException), or the
 * operation is idempotent; standby answers and refused connections fail over to the next
 * NameNode of an HA nameservice. Data requests follow the NameNode's 307 redirect to a DataNode
 * and stream in both directions with backpressure.
 */
export class WebHdfsClient {
  readonly user: string;
  private readonly policy: RetryPolicy;
  private readonly addresses: readonly string[];
  private active = 0;

  constructor(private readonly options: WebHdfsClientOptions) {
    this.user = options.user;
    this.addresses = options.namenodes.httpAddresses;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** The path as users name it, for messages. */
  display(path: string): string {
    return `${this.options.displayPrefix ?? this.options.namenodes.fsUri}${path}`;
  }

  /** The NameNode HTTP address requests go to now (after failovers, the last active one). */
  get activeAddress(): string {
    return this.addresses[this.active]!;
  }

  async getFileStatus(path: string): Promise<HdfsFileStatus | undefined> {
    try {
      const body = await this.json<{ FileStatus: HdfsFileStatus }>({ op: 'GETFILESTATUS', method: 'GET', path, idempotent: true });
      return body.FileStatus;
    } catch (e) {
      if (e instanceof FileSystemError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  async listStatus(path: string): Promise<HdfsFileStatus[]> {
    const body = await this.json<{ FileStatuses: { FileStatus: HdfsFileStatus[] } }>({
      op: 'LISTSTATUS',
      method: 'GET',
      path,
      idempotent: true,
    });
    return body.FileStatuses.FileStatus;
  }

  /** LISTSTATUS_BATCH: a directory's entries in the NameNode's batches (`dfs.ls.limit`), in name order. */
  async *listStatusBatches(path: string): AsyncIterable<HdfsFileStatus[]> {
    // Parameter names in lower case: the NameNode of Hadoop 3.5 ignores `startAfter` as the documentation spells it.
    let startAfter: string | undefined;
    for (;;) {
      const body = await this.json<{
        DirectoryListing: { partialListing: { FileStatuses: { FileStatus: HdfsFileStatus[] } }; remainingEntries: number };
      }>({ op: 'LISTSTATUS_BATCH', method: 'GET', path, idempotent: true, params: { startafter: startAfter } });
      const batch = body.DirectoryListing.partialListing.FileStatuses.FileStatus;
      const last = batch[batch.length - 1];
      if (startAfter !== undefined && last !== undefined && last.pathSuffix <= startAfter) {
        // A server that ignores startafter would send the first batch forever.
        throw new FileSystemError('io', this.display(path), `Listing ${this.display(path)} does not advance past ${startAfter}`);
      }
      yield batch;
      if (body.DirectoryListing.remainingEntries === 0 || last === undefined || last.pathSuffix === '') return;
      startAfter = last.pathSuffix;
    }
  }

  async getContentSummary(path: string): Promise<ContentSummary> {
    const body = await this.json<{ ContentSummary: ContentSummary }>({ op: 'GETCONTENTSUMMARY', method: 'GET', path, idempotent: true });
    return body.ContentSummary;
  }

  async getHomeDirectory(): Promise<string> {
    const body = await this.json<{ Path: string }>({ op: 'GETHOMEDIRECTORY', method: 'GET', path: '/', idempotent: true });
    return body.Path;
  }

  async mkdirs(path: string, permission?: string): Promise<boolean> {
    return this.bool({ op: 'MKDIRS', method: 'PUT', path, idempotent: true, params: { permission } });
  }

  /** RENAME answers false, not an error, when nothing was renamed: callers must check. */
  async rename(from: string, to: string): Promise<boolean> {
    return this.bool({ op: 'RENAME', method: 'PUT', path: from, idempotent: false, params: { destination: to } });
  }

  async delete(path: string, recursive: boolean): Promise<boolean> {
    return this.bool({ op: 'DELETE', method: 'DELETE', path, idempotent: false, params: { recursive } });
  }

  /** True when the file has its new length at once; false when the NameNode recovers the last block first. */
  async truncate(path: string, newLength: number): Promise<boolean> {
    return this.bool({ op: 'TRUNCATE', method: 'POST', path, idempotent: true, params: { newlength: newLength } });
  }

  async setPermission(path: string, permission: string): Promise<void> {
    await this.discard(await this.call({ op: 'SETPERMISSION', method: 'PUT', path, idempotent: true, params: { permission } }));
  }

  /** CREATE: the NameNode names a DataNode (307), the returned stream sends the bytes there. */
  async create(path: string, p: CreateParameters = {}): Promise<Writable> {
    const params = { overwrite: p.overwrite ?? false, permission: p.permission, blocksize: p.blockSize, replication: p.replication };
    const location = await this.redirect({ op: 'CREATE', method: 'PUT', path, idempotent: false, params });
    return this.upload('CREATE', 'PUT', path, location);
  }

  /** APPEND: as CREATE, to the end of an existing file. */
  async append(path: string): Promise<Writable> {
    const location = await this.redirect({ op: 'APPEND', method: 'POST', path, idempotent: false });
    return this.upload('APPEND', 'POST', path, location);
  }

  /**
   * OPEN from `offset`, at most `length` bytes. The stream reads from the DataNode as it is
   * consumed; a connection that breaks off is reopened where it stopped.
   */
  async open(path: string, offset = 0, length?: number): Promise<Readable> {
    const openAt = async (from: number, remaining: number | undefined): Promise<Response> => {
      const location = await this.redirect({
        op: 'OPEN',
        method: 'GET',
        path,
        idempotent: true,
        params: { offset: from, length: remaining },
      });
      const res = await this.fetchData('OPEN', path, location, { method: 'GET' });
      if (res.status !== 200) throw this.dataError('OPEN', path, location, res.status, await res.text());
      return res;
    };
    const first = await openAt(offset, length);
    return new DownloadStream(first, openAt, offset, length, this.policy, (e, position) => this.brokenRead(path, e, position));
  }

  private upload(op: string, method: 'PUT' | 'POST', path: string, location: string): Writable {
    return new UploadStream(
      location,
      method,
      this.uploadHeaders(),
      (status, body) => this.dataError(op, path, location, status, body),
      (e) => this.dataNodeUnreachable(op, path, location, e),
    );
  }

  private uploadHeaders(): Record<string, string> {
    return { 'content-type': 'application/octet-stream', ...(this.options.csrf === true ? { 'x-xsrf-header': '' } : {}) };
  }

  private async json<T>(call: Call): Promise<T> {
    const res = await this.call(call);
    return (await res.json()) as T;
  }

  private async bool(call: Call): Promise<boolean> {
    return (await this.json<{ boolean: boolean }>(call)).boolean;
  }

  private async discard(res: Response): Promise<void> {
    await res.body?.cancel();
  }

  /** A data operation's first step: the NameNode's 307 and the DataNode URL it names. */
  private async redirect(call: Call): Promise<string> {
    const res = await this.call(call);
    const location = res.headers.get('location');
    await this.discard(res);
    if (res.status !== 307 || location === null) {
      throw new FileSystemError(
        'io',
        this.display(call.path),
        `HDFS could not ${call.op} ${this.display(call.path)}: expected a redirect to a DataNode, got HTTP ${res.status}`,
      );
    }
    const url = new URL(location);
    if (!url.searchParams.has('user.name')) url.searchParams.set('user.name', this.user);
    return url.toString();
  }

  /** Sends a NameNode request, repeating it and failing over where that is safe; answers 2xx or 307. */
  private async call(call: Call): Promise<Response> {
    let retries = 0;
    let failovers = 0;
    const tried = new Set<string>();
    for (;;) {
      const address = this.activeAddress;
      tried.add(address);
      let res: Response;
      try {
        res = await fetch(this.url(address, call), { method: call.method, redirect: 'manual', headers: this.headers(call) });
      } catch (e) {
        const failure = classifyNetworkError(e);
        if (failure !== 'broken' && this.addresses.length > 1 && failovers < this.policy.maxFailovers) {
          await this.failover(++failovers);
          continue;
        }
        if ((failure === 'not-sent' || (failure === 'broken' && call.idempotent)) && retries < this.policy.maxRetries) {
          await sleep(backoffMs(this.policy, ++retries));
          continue;
        }
        throw this.unreachable(call, [...tried], e);
      }
      if (res.ok || res.status === 307) return res;
      const body = await res.text();
      const remote = parseRemoteException(body);
      const kind = classifyRemoteException(remote);
      if (kind === 'standby' && this.addresses.length > 1 && failovers < this.policy.maxFailovers) {
        await this.failover(++failovers);
        continue;
      }
      const serverError = res.status >= 500 && remote === undefined && call.idempotent;
      if ((kind === 'retriable' || serverError) && retries < this.policy.maxRetries) {
        await sleep(backoffMs(this.policy, ++retries));
        continue;
      }
      throw remoteError({ path: this.display(call.path), op: call.op, user: this.user, address }, res.status, remote, body);
    }
  }

  /** Moves on to the next NameNode; waits once every NameNode was tried in this round. */
  private async failover(n: number): Promise<void> {
    this.active = (this.active + 1) % this.addresses.length;
    if (n % this.addresses.length === 0) await sleep(backoffMs(this.policy, n / this.addresses.length));
  }

  private url(address: string, call: Call): string {
    const url = new URL(`${address}/webhdfs/v1${encodePath(call.path)}`);
    url.searchParams.set('op', call.op);
    url.searchParams.set('user.name', this.user);
    for (const [k, v] of Object.entries(call.params ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  private headers(call: Call): Record<string, string> {
    return this.options.csrf === true && call.method !== 'GET' ? { 'x-xsrf-header': '' } : {};
  }

  private async fetchData(op: string, path: string, location: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(location, { ...init, redirect: 'manual' });
    } catch (e) {
      throw this.dataNodeUnreachable(op, path, location, e);
    }
  }

  private dataError(op: string, path: string, location: string, status: number, body: string): FileSystemError {
    return remoteError(
      { path: this.display(path), op, user: this.user, address: new URL(location).origin },
      status,
      parseRemoteException(body),
      body,
    );
  }

  private dataNodeUnreachable(op: string, path: string, location: string, e: unknown): FileSystemError {
    const code = networkErrorText(e);
    return new FileSystemError(
      'unreachable',
      this.display(path),
      `Cannot ${op} ${this.display(path)}: the DataNode at ${new URL(location).origin} that the NameNode named cannot be reached (${code}); is the DataNode running, and is its address reachable from here?`,
      e,
    );
  }

  private brokenRead(path: string, e: unknown, position: number): FileSystemError {
    const why = e instanceof FileSystemError ? e.message : networkErrorText(e);
    const kind = e instanceof FileSystemError ? e.kind : 'io';
    return new FileSystemError(
      kind,
      this.display(path),
      `Reading ${this.display(path)} broke off at byte ${position} and could not be resumed: ${why}`,
      e,
    );
  }

  private unreachable(call: Call, tried: string[], e: unknown): FileSystemError {
    const code = networkErrorText(e);
    const { namenodes, configOrigin } = this.options;
    const what = namenodes.nameservice === undefined ? 'the NameNode' : `the NameNodes of nameservice ${namenodes.nameservice}`;
    const hint = namenodes.hint === undefined ? '' : ` (${namenodes.hint})`;
    return new FileSystemError(
      'unreachable',
      this.display(call.path),
      `Cannot reach ${what} of ${this.display(call.path)} at ${tried.join(', ')} (${code})${hint}: is HDFS running? ` +
        `Check fs.defaultFS / HADOOP_CONF_DIR${configOrigin === undefined ? '' : ` (read: ${configOrigin})`} and the port in the path`,
      e,
    );
  }
}

/** Each segment percent-encoded; `/` kept. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
