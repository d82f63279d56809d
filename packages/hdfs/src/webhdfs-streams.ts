import { Readable, Writable } from 'node:stream';
import { backoffMs, classifyNetworkError, sleep, type RetryPolicy } from './retry.js';

/** Bytes a stream holds before it stops accepting (upload) or reading ahead (download). */
const STREAM_BUFFER = 1 << 20;

interface PendingChunk {
  chunk: Uint8Array;
  callback: (error?: Error | null) => void;
}

/**
 * The body of a CREATE or APPEND sent to the DataNode as it is written: `fetch` pulls one chunk
 * at a time from a request body stream, and a write completes only when its chunk was taken, so a
 * writer never gets ahead of the network by more than the stream's buffer. `finish` fires once the
 * DataNode answered success: only then are the bytes durable.
 */
export class UploadStream extends Writable {
  private pending: PendingChunk | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly abort = new AbortController();
  private readonly response: Promise<Response>;

  constructor(
    url: string,
    method: 'PUT' | 'POST',
    headers: Record<string, string>,
    private readonly failure: (status: number, body: string) => Error,
  ) {
    super({ highWaterMark: STREAM_BUFFER });
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.pending === undefined && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
          const next = this.pending;
          this.pending = undefined;
          if (next === undefined) return controller.close();
          controller.enqueue(next.chunk);
          next.callback();
        },
      },
      { highWaterMark: 0 },
    );
    this.response = fetch(url, { method, body, headers, redirect: 'manual', signal: this.abort.signal, duplex: 'half' });
    // An answer that comes before the body ended is an error (the DataNode refused the data).
    this.response.then(
      async (res) => {
        if (!this.ended && !isSuccess(res.status)) this.destroy(this.failure(res.status, await res.text()));
      },
      (e: unknown) => {
        if (!this.ended) this.destroy(e as Error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending = { chunk, callback };
    this.wake?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ended = true;
    this.wake?.();
    this.response.then(
      async (res) => {
        const text = await res.text();
        callback(isSuccess(res.status) ? null : this.failure(res.status, text));
      },
      (e: unknown) => callback(e as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.ended = true;
    this.pending?.callback(error ?? new Error('the upload was closed'));
    this.pending = undefined;
    this.wake?.();
    this.abort.abort(error ?? undefined);
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
