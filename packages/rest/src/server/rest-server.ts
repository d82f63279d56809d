import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SpindleError, errorMessage, getLogger } from '@spindle/core';
import type { PrometheusFormatOptions } from '@spindle/runtime';
import type { ClusterView } from '../cluster-view.js';
import { clusterRoutes } from '../handlers/cluster-handlers.js';
import { jarRoutes } from '../handlers/jar-handlers.js';
import { jobInfoRoutes } from '../handlers/job-info-handlers.js';
import { jobManagerRoutes } from '../handlers/jobmanager-handlers.js';
import { jobRoutes } from '../handlers/job-handlers.js';
import { prometheusRoutes } from '../handlers/prometheus-handler.js';
import { taskManagerRoutes } from '../handlers/taskmanager-handlers.js';
import { vertexRoutes } from '../handlers/vertex-handlers.js';
import { webRoutes } from '../handlers/web-handlers.js';
import { savepointRoutes } from '../handlers/savepoint-handlers.js';
import { checkpointRoutes } from '../handlers/checkpoint-handlers.js';
import type { HandlerContext } from '../handlers/params.js';
import { readBody } from './body.js';
import { RestError, restErrorOf } from './rest-error.js';
import { Router, type RestResponse } from './router.js';

export interface RestServerOptions {
  /** Interface to listen on (Flink's `rest.bind-address`); default 'localhost'. */
  bindAddress?: string;
  /** Port, 0 for an ephemeral one, or a list/range such as '50100-50200,50300' (`rest.bind-port`); default 8081. */
  port?: number | string;
  /** Largest request body accepted, in bytes (`rest.server.max-content-length`); default 100 MiB. */
  maxContentLength?: number;
  /** `web.refresh-interval` announced to the web UI; default 3000 ms. */
  refreshIntervalMs?: number;
  /** `Access-Control-Allow-Origin` (`web.access-control-allow-origin`); default '*'. */
  allowOrigin?: string;
  /** The clock for `now` and durations; default Date.now. */
  now?: () => number;
  /** `web.submit.enable`: whether `/jars` answers and the dashboard offers submission; default true. */
  webSubmit?: boolean;
  /** `web.cancel.enable`: whether `PATCH /jobs/:jobid` cancels and the dashboard offers it; default true. */
  webCancel?: boolean;
  /** Names of the Prometheus series of `GET /metrics` (`metrics.reporter.prom.*`). */
  prometheus?: PrometheusFormatOptions;
}

const DEFAULT_MAX_CONTENT_LENGTH = 104_857_600;

/** Ports to try in order: a number, or a comma list of ports and inclusive ranges. */
export function parsePortSpec(spec: number | string): number[] {
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (typeof spec === 'number') {
    if (!valid(spec)) throw new SpindleError(`invalid REST port ${spec}`, { code: 'CONFIG_INVALID', userFacing: true });
    return [spec];
  }
  const ports: number[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || !valid(from) || !valid(to) || to < from) {
      throw new SpindleError(`invalid REST port specification '${spec}'`, { code: 'CONFIG_INVALID', userFacing: true });
    }
    for (let p = from; p <= to; p++) ports.push(p);
  }
  if (ports.length === 0) throw new SpindleError('empty REST port specification', { code: 'CONFIG_INVALID', userFacing: true });
  return ports;
}

/**
 * The JobManager's REST endpoint: Flink's paths (with or without the `/v1` prefix), field names
 * and error bodies over a ClusterView. Every request is answered on its own; a failing handler
 * yields an error response, never a crashed server.
 */
export class RestServer {
  private readonly server: http.Server;
  private readonly router = new Router();
  private readonly log = getLogger('rest');
  private readonly options: Required<Omit<RestServerOptions, 'port'>> & { port: number | string };
  private starting: Promise<number> | undefined;
  private closing: Promise<void> | undefined;
  private boundPort = -1;

  constructor(cluster: ClusterView, options: RestServerOptions = {}) {
    this.options = {
      bindAddress: options.bindAddress ?? 'localhost',
      port: options.port ?? 8081,
      maxContentLength: options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH,
      refreshIntervalMs: options.refreshIntervalMs ?? 3000,
      allowOrigin: options.allowOrigin ?? '*',
      now: options.now ?? Date.now,
      webSubmit: options.webSubmit ?? true,
      webCancel: options.webCancel ?? true,
      prometheus: options.prometheus ?? {},
    };
    const ctx: HandlerContext = {
      cluster,
      now: this.options.now,
      refreshIntervalMs: this.options.refreshIntervalMs,
      features: { submit: this.options.webSubmit, cancel: this.options.webCancel },
      prometheus: this.options.prometheus,
    };
    this.router.add(
      ...clusterRoutes(ctx),
      ...jobRoutes(ctx),
      ...jobInfoRoutes(ctx),
      ...vertexRoutes(ctx),
      ...jarRoutes(ctx),
      ...jobManagerRoutes(ctx),
      ...taskManagerRoutes(ctx),
      ...prometheusRoutes(ctx),
      ...savepointRoutes(ctx),
      ...checkpointRoutes(ctx),
      ...webRoutes(),
    );
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('clientError', (error, socket) => this.onClientError(error, socket as Socket));
  }

  /** Listens; resolves with the bound port (the ephemeral one when asked for port 0). */
  start(): Promise<number> {
    if (this.closing) return Promise.reject(new SpindleError('the REST server is closed', { code: 'ILLEGAL_STATE' }));
    this.starting ??= this.listenOnFirstFree(parsePortSpec(this.options.port));
    return this.starting;
  }

  /** The bound port; -1 before `start()` resolved. */
  get port(): number {
    return this.boundPort;
  }

  /** Stops listening and drops open connections; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async listenOnFirstFree(ports: number[]): Promise<number> {
    for (const [i, port] of ports.entries()) {
      try {
        this.boundPort = await this.listen(port);
        this.log.info('REST endpoint listening', { address: this.options.bindAddress, port: this.boundPort });
        return this.boundPort;
      } catch (e) {
        const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!inUse || i === ports.length - 1) {
          throw new SpindleError(
            `Could not start the REST endpoint on ${this.options.bindAddress}:${this.options.port}: ${errorMessage(e)}`,
            {
              code: 'REST_BIND_FAILED',
              recoverability: 'environment',
              userFacing: true,
              cause: e,
            },
          );
        }
      }
    }
    throw new SpindleError('no REST port to try', { code: 'CONFIG_INVALID' });
  }

  private listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, this.options.bindAddress, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.handle(req, res).catch((e: unknown) => {
      this.log.error('REST request failed unexpectedly', { method: req.method, url: req.url, error: errorMessage(e) });
      if (!res.headersSent) this.send(res, { status: 500, body: { errors: ['Internal server error.'] } });
      else res.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const response = await this.dispatch(req, res);
      this.send(res, response);
    } catch (e) {
      const error = restErrorOf(e);
      if (error.status >= 500) {
        this.log.error('REST handler failed', {
          method: req.method,
          url: req.url,
          error: e instanceof Error ? (e.stack ?? e.message) : errorMessage(e),
        });
      }
      if (error.status === 413) this.discardRest(req);
      this.send(res, { status: error.status, body: { errors: error.errors } });
    }
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<RestResponse> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new RestError(400, `Bad request: malformed URL '${req.url}'.`);
    }
    const path = withoutVersion(url.pathname);
    const match = path === undefined ? ({ kind: 'not-found' } as const) : this.router.match(method, path);
    if (match.kind === 'not-found') throw new RestError(404, `Not found: ${url.pathname}`);
    if (match.kind === 'method-not-allowed') {
      res.setHeader('Allow', match.allowed.join(', '));
      throw new RestError(405, `Method ${method} is not allowed for ${url.pathname}; allowed: ${match.allowed.join(', ')}.`);
    }
    const body = await readBody(req, this.options.maxContentLength);
    const host = req.headers.host ?? `${this.options.bindAddress}:${this.boundPort}`;
    return match.handler({ method, params: match.params, query: url.searchParams, headers: req.headers, body, baseUrl: `http://${host}` });
  }

  /** Reads and drops what remains of an oversized body so the client can read the 413; cuts off floods. */
  private discardRest(req: http.IncomingMessage): void {
    let discarded = 0;
    const cap = this.options.maxContentLength + 16 * 1024 * 1024;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > cap) req.socket.destroy();
    });
    req.resume();
  }

  private send(res: http.ServerResponse, response: RestResponse): void {
    if (res.writableEnded || res.destroyed) return;
    if (response.raw) {
      this.sendRaw(res, response.status, response.raw);
      return;
    }
    const payload = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(payload),
      'Access-Control-Allow-Origin': this.options.allowOrigin,
    });
    res.end(payload);
  }

  /** A text or byte body, or a stream of bytes (a log file) sent as it is read. */
  private sendRaw(res: http.ServerResponse, status: number, raw: NonNullable<RestResponse['raw']>): void {
    const headers: Record<string, string | number> = {
      'Content-Type': raw.contentType,
      'Access-Control-Allow-Origin': this.options.allowOrigin,
      ...raw.headers,
    };
    if (typeof raw.data === 'string' || raw.data instanceof Uint8Array) {
      const payload = typeof raw.data === 'string' ? Buffer.from(raw.data, 'utf8') : raw.data;
      res.writeHead(status, { ...headers, 'Content-Length': payload.byteLength });
      res.end(payload);
      return;
    }
    res.writeHead(status, headers);
    const source = raw.data;
    void (async () => {
      try {
        for await (const chunk of source) {
          if (res.destroyed) return;
          if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
        }
        res.end();
      } catch (e) {
        this.log.warn('REST stream failed', { error: errorMessage(e) });
        res.destroy();
      }
    })();
  }

  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const payload = JSON.stringify({ errors: [`Bad request: ${error.message}`] });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    );
  }
}

/** `/v1/jobs` → `/jobs`; other versions are unknown (undefined). */
function withoutVersion(pathname: string): string | undefined {
  const m = /^\/v(\d+)(\/.*)?$/.exec(pathname);
  if (!m) return pathname;
  return m[1] === '1' ? (m[2] ?? '/') : undefined;
}
