import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './cli-harness.js';

/** Debian's Chromium; `.ci/run` installs it when missing. No browser is downloaded. */
export const CHROMIUM = process.env.SPINDLE_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests keep their screenshots (ignored by git). */
export const ARTIFACTS = path.join(REPO_ROOT, 'integration', 'artifacts', 'dashboard');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile of its own, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PrefixProxy {
  /** The dashboard's URL through the proxy, ending with the prefix's slash. */
  url: string;
  close(): Promise<void>;
}

/**
 * A proxy that serves `target` (host:port) under a path prefix and strips it, as YARN's web
 * proxy serves an application master at `/proxy/<applicationId>/`. Requests outside the prefix
 * are answered 404, so a page that used an absolute URL would break.
 */
export async function startPrefixProxy(target: string, prefix: string): Promise<PrefixProxy> {
  const [host, port] = target.split(':');
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    // The prefix without its slash reaches the application's root, as with YARN's proxy.
    const bare = prefix.slice(0, -1);
    const rest = url.startsWith(prefix)
      ? url.slice(prefix.length - 1)
      : url === bare || url.startsWith(`${bare}?`)
        ? `/${url.slice(bare.length)}`
        : undefined;
    if (rest === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not under ${prefix}\n`);
      return;
    }
    const upstream = http.request(
      { host, port: Number(port), method: req.method, path: rest, headers: { ...req.headers, host: target } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${proxyPort}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
