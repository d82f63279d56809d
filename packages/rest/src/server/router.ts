import type { IncomingHttpHeaders } from 'node:http';
import { badRequest } from './rest-error.js';

export interface RestRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `http://host:port` as the client addressed the server. */
  baseUrl: string;
}

export interface RestResponse {
  status: number;
  /** Sent as JSON; undefined sends no body. */
  body?: unknown;
  /** Sent as it is instead of `body`, with `contentType`: a text, bytes, or a stream of bytes. */
  raw?: { contentType: string; data: string | Uint8Array | AsyncIterable<Uint8Array>; headers?: Record<string, string> };
}

export type Handler = (request: RestRequest) => Promise<RestResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Segments, with `:name` for parameters: `/jobs/:jobid/status`. */
  path: string;
  handler: Handler;
}

export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

interface CompiledRoute extends Route {
  segments: string[];
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** Matches paths segment by segment; literal segments win over parameters. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): this {
    for (const route of routes) this.routes.push({ ...route, segments: splitPath(route.path) });
    this.routes.sort((a, b) => literalRank(b) - literalRank(a));
    return this;
  }

  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params };
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }
}

function literalRank(route: CompiledRoute): number {
  return route.segments.filter((s) => !s.startsWith(':')).length;
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeSegment(a);
    else if (p !== a) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Bad request, could not parse parameters: malformed escape sequence in path segment '${segment}'.`);
  }
}
