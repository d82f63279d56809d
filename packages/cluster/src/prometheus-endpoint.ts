import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getLogger } from '@spindle/core';
import { parsePortSpec } from '@spindle/rest';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricGroup, type PrometheusFormatOptions } from '@spindle/runtime';

/**
 * A TaskManager's Prometheus endpoint (Flink's PrometheusReporter's HTTP server): `GET /metrics`
 * (or `/`) renders the groups `collect` returns at the time of the scrape. It listens on the
 * first free port of `metrics.reporter.prom.port` (a port, 0, or a list/range).
 */
export class PrometheusEndpoint {
  private readonly server: http.Server;
  private readonly log = getLogger('prometheus');
  private closing: Promise<void> | undefined;

  constructor(
    private readonly collect: () => Promise<MetricGroup[]>,
    private readonly format: PrometheusFormatOptions,
  ) {
    this.server = http.createServer((req, res) => void this.answer(req, res));
  }

  /** Listens on the first free port of `spec`; resolves with it, or undefined when none is free (logged). */
  async start(host: string, spec: string): Promise<number | undefined> {
    for (const port of parsePortSpec(spec)) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(port, host, () => {
            this.server.off('error', reject);
            resolve();
          });
        });
        const bound = (this.server.address() as AddressInfo).port;
        this.log.info('Prometheus endpoint listening', { host, port: bound, url: `http://${host}:${bound}/metrics` });
        return bound;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    this.log.warn('no free port for the Prometheus endpoint; this TaskManager serves none', { host, ports: spec });
    return undefined;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url?.split('?')[0];
    if (req.method !== 'GET' || (url !== '/metrics' && url !== '/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    try {
      const text = renderPrometheus(await this.collect(), this.format);
      res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) }).end(text);
    } catch (e) {
      this.log.error('Prometheus scrape failed', { error: e });
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Internal error\n');
    }
  }
}
