import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { backoffMs, classifyNetworkError, sleep, type RetryPolicy } from './retry.js';

/** Bytes a stream holds before it stops accepting (upload) or reading ahead (download). */
const STREAM_BUFFER = 1 << 20;

/**
 * The body of a CREATE or APPEND, sent to the DataNode as it is written, over `node:http`: the
 * DataNode answers every upload with an unasked-for `100 Continue` first, which `fetch` (undici)
 * rejects as a bad response, while Node's HTTP client passes over it. A write completes when the
 * socket took its chunk, so a writer never gets ahead of the network by more than the buffers.
 * `finish` fires once the DataNode answered success: only then are the bytes durable.
 */
export class UploadStream extends Writable {
  private readonly request: http.ClientRequest;
  private readonly response: Promise<{ status: number; body: string }>;
  private ending = false;

  constructor(
    url: string,
    method: 'PUT' | 'POST',
    headers: Record<string, string>,
    private readonly failure: (status: number, body: string) => Error,
    private readonly unreachable: (e: unknown) => Error,
  ) {
    super({ highWaterMark: STREAM_BUFFER });
    this.request = http.request(url, { method, headers: { ...headers, 'transfer-encoding': 'chunked' } });
    this.response = new Promise((resolve, reject) => {
      this.request.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      this.request.on('error', (e) => reject(this.unreachable(e)));
    });
    // An answer that comes before the body ended is an error (the DataNode refused the data).
    this.response.then(
      ({ status, body }) => {
        if (!this.ending && !isSuccess(status)) this.destroy(this.failure(status, body));
      },
      (e: unknown) => {
        if (!this.ending) this.destroy(e as Error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.request.write(chunk)) callback();
    else this.request.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ending = true;
    this.request.end();
    this.response.then(
      ({ status, body }) => callback(isSuccess(status) ? null : this.failure(status, body)),
      (e: unknown) => callback(e as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.ending = true;
    this.request.destroy(error ?? undefined);
    callback(error);
  }
}

function isSuccess(status: number): boolean {
  return status === 200 || status === 201;
}

/**
 * An OPEN's bytes as a Node stream, read from the DataNode's response only as fast as they are
 * consumed. When the connection breaks off (or ends short of its Content-Length), the rest is
 * requested again from where it stopped, up to `maxRetries` times without progress.
 */
export class DownloadStream extends Readable {
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private expected: number | undefined;
  private received = 0;
  private failures = 0;

  constructor(
    first: Response,
    private readonly reopen: (offset: number, length: number | undefined) => Promise<Response>,
    private position: number,
    private remaining: number | undefined,
    private readonly policy: RetryPolicy,
    private readonly broken: (e: unknown, position: number) => Error,
  ) {
    super({ highWaterMark: STREAM_BUFFER });
    this.use(first);
  }

  override _read(): void {
    void this.readChunk();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader?.cancel().catch(() => undefined);
    this.reader = undefined;
    callback(error);
  }

  private use(res: Response): void {
    const length = res.headers.get('content-length');
    this.expected = length === null ? undefined : Number(length);
    this.received = 0;
    this.reader = res.body?.getReader();
  }

  private async readChunk(): Promise<void> {
    for (;;) {
      try {
        const reader = this.reader;
        if (reader === undefined) return void this.push(null);
        const { done, value } = await reader.read();
        if (this.destroyed) return;
        if (done) {
          if (this.expected !== undefined && this.received < this.expected) throw new ShortRead(this.received, this.expected);
          return void this.push(null);
        }
        this.received += value.byteLength;
        this.position += value.byteLength;
        if (this.remaining !== undefined) this.remaining -= value.byteLength;
        this.failures = 0;
        this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        return;
      } catch (e) {
        if (this.destroyed) return;
        if (!(await this.reopenAfter(e))) return;
      }
    }
  }

  /** Reopens at the current position; false (and the stream destroyed) when that is not possible. */
  private async reopenAfter(cause: unknown): Promise<boolean> {
    let last = cause;
    const resumable = cause instanceof ShortRead || classifyNetworkError(cause) !== 'unknown-host';
    while (resumable && this.failures < this.policy.maxRetries) {
      this.failures++;
      await sleep(backoffMs(this.policy, this.failures));
      if (this.destroyed) return false;
      if (this.remaining === 0) {
        this.reader = undefined;
        return true;
      }
      try {
        this.use(await this.reopen(this.position, this.remaining));
        return true;
      } catch (e) {
        last = e;
      }
    }
    this.destroy(this.broken(last, this.position));
    return false;
  }
}

class ShortRead extends Error {
  constructor(received: number, expected: number) {
    super(`the DataNode sent ${received} of ${expected} bytes`);
  }
}
