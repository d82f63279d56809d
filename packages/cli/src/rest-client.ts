import { randomBytes } from 'node:crypto';
import { SpindleError } from '@spindle/core';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType: string;
  content: Uint8Array | string;
}

/** multipart/form-data body and its content type. */
export function multipart(parts: MultipartPart[]): { body: Buffer; contentType: string } {
  const boundary = `----spindle${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${p.contentType}\r\n\r\n`));
    chunks.push(typeof p.content === 'string' ? Buffer.from(p.content) : Buffer.from(p.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A client of the JobManager's REST API (Flink's paths and fields). */
export class RestClient {
  readonly base: string;

  constructor(address: string) {
    const hostPort = address.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (!/^[^:/\s]+:\d+$/.test(hostPort)) {
      throw new SpindleError(`'${address}' is not a JobManager address: use host:port, e.g. localhost:8081`, {
        code: 'BAD_ARGUMENTS',
        userFacing: true,
      });
    }
    this.base = `http://${hostPort}`;
  }

  async request<T>(
    method: string,
    path: string,
    body?: { body: Buffer | string; contentType: string },
  ): Promise<{ status: number; json: T }> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        ...(body ? { body: body.body, headers: { 'content-type': body.contentType } } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new SpindleError(
        `Could not reach the JobManager at ${this.base} (${cause}). Is the cluster running? Start it with 'spindle cluster start', or pass its REST address with -m host:port.`,
        {
          code: 'JOBMANAGER_UNREACHABLE',
          userFacing: true,
          recoverability: 'environment',
        },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.status >= 400) {
      const errors = (json as { errors?: string[] } | undefined)?.errors;
      throw new SpindleError(errors?.length ? errors.join('; ') : `${method} ${path} failed with HTTP ${response.status}`, {
        code: `HTTP_${response.status}`,
        userFacing: true,
      });
    }
    return { status: response.status, json: json as T };
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((r) => r.json);
  }
}
