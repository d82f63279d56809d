import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RestError } from '../server/rest-error.js';
import type { Route } from '../server/router.js';

/** The dashboard's files, committed in the package (`web/`): plain ES modules, CSS and one HTML page. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The files that may be served: those of the directory at start-up, by exact name, never a path. */
function assets(): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(WEB_DIR);
  } catch {
    return out;
  }
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type !== undefined && fs.statSync(path.join(WEB_DIR, name)).isFile()) out.set(name, type);
  }
  return out;
}

/**
 * `GET /` (and `/index.html`) serves the dashboard's page, `GET /web/:file` its scripts and
 * styles. Every URL in them is relative, so the dashboard also works behind a proxy that puts
 * a prefix in front (YARN's `/proxy/<applicationId>/`).
 */
export function webRoutes(): Route[] {
  const files = assets();
  const serve = async (name: string) => {
    const type = files.get(name);
    if (type === undefined) throw new RestError(404, `Not found: /web/${name}`);
    const data = await fs.promises.readFile(path.join(WEB_DIR, name));
    return { status: 200, raw: { contentType: type, data, headers: { 'Cache-Control': 'no-cache' } } };
  };
  return [
    { method: 'GET', path: '/', handler: () => serve('index.html') },
    { method: 'GET', path: '/index.html', handler: () => serve('index.html') },
    { method: 'GET', path: '/web/:file', handler: (r) => serve(r.params.file ?? '') },
  ];
}
