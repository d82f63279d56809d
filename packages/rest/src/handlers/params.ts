import type { ClusterView } from '../cluster-view.js';
import type { RestRequest } from '../server/router.js';
import type { PrometheusFormatOptions } from '@spindle/runtime';
import { badRequest } from '../server/rest-error.js';

/** What every handler gets: the cluster and the server's settings. */
export interface HandlerContext {
  cluster: ClusterView;
  now: () => number;
  refreshIntervalMs: number;
  /** `web.submit.enable` and `web.cancel.enable`: whether `/jars` and cancellation are allowed. */
  features: { submit: boolean; cancel: boolean };
  prometheus: PrometheusFormatOptions;
}

const HEX_ID = /^[0-9a-fA-F]{32}$/;

/** A 32-hex id from the path, in lower case; 400 otherwise. */
export function hexIdParam(request: RestRequest, name: string): string {
  const value = request.params[name] ?? '';
  if (!HEX_ID.test(value)) {
    throw badRequest(
      `Bad request, could not parse parameters: cannot parse path parameter ${name} '${value}': expected 32 hexadecimal characters.`,
    );
  }
  return value.toLowerCase();
}

export function jobIdParam(request: RestRequest): string {
  return hexIdParam(request, 'jobid');
}

/** An integer query parameter (the last occurrence), or undefined when absent. */
export function intQuery(request: RestRequest, name: string): number | undefined {
  const raw = request.query.getAll(name).pop();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n))
    throw badRequest(`Bad request, could not parse parameters: query parameter ${name} '${raw}' is not an integer.`);
  return n;
}

export function json(status: number, body: unknown) {
  return { status, body };
}

export function vertexIdParam(request: RestRequest): string {
  return hexIdParam(request, 'vertexid');
}

/** A non-negative integer from the path (a subtask index, an attempt number); 400 otherwise. */
export function indexParam(request: RestRequest, name: string): number {
  const value = request.params[name] ?? '';
  if (!/^\d{1,9}$/.test(value)) {
    throw badRequest(
      `Bad request, could not parse parameters: cannot parse path parameter ${name} '${value}': expected a non-negative integer.`,
    );
  }
  return Number(value);
}

/** TaskManager ids are resource ids: host-and-port style names or container ids, never paths. */
const TASK_MANAGER_ID = /^[A-Za-z0-9._:@-]{1,256}$/;

export function taskManagerIdParam(request: RestRequest): string {
  const value = request.params.taskmanagerid ?? '';
  if (!TASK_MANAGER_ID.test(value)) {
    throw badRequest(
      `Bad request, could not parse parameters: cannot parse path parameter taskmanagerid '${value}': not a TaskManager id.`,
    );
  }
  return value;
}
