import { randomBytes } from 'node:crypto';
import { errorMessage } from '@spindle/core';
import type { SavepointRequest } from '../cluster-view.js';
import { RestError, badRequest } from '../server/rest-error.js';
import type { RestRequest, Route } from '../server/router.js';
import { hexIdParam, json, jobIdParam, type HandlerContext } from './params.js';

type Body = Record<string, unknown>;

/** One savepoint or checkpoint operation, as `GET .../savepoints/:triggerid` or `.../checkpoints/:triggerid` reports it. */
interface AsyncOperation {
  status: 'IN_PROGRESS' | 'COMPLETED';
  /** The completed operation's own fields (`location`, `checkpointId`), or its failure's. */
  result?: Record<string, unknown>;
}

/**
 * Savepoints as Flink's REST API has them: `POST /jobs/:jobid/savepoints` (optionally cancelling
 * the job) and `POST /jobs/:jobid/stop` (stop-with-savepoint) answer 202 with a trigger id at once;
 * `GET /jobs/:jobid/savepoints/:triggerid` reports the operation until it completed with the
 * savepoint's location or its failure. `POST /jobs/:jobid/checkpoints` takes a checkpoint on
 * request (every type is a full snapshot in Spindle), reported by `GET /jobs/:jobid/checkpoints/:triggerid`
 * with its `checkpointId` or `failureCause`. `POST /savepoint-disposal` deletes a savepoint (or a
 * retained checkpoint), reported by `GET /savepoint-disposal/:triggerid`. A client's own `triggerId` makes a retried trigger
 * idempotent. Operations are kept for the life of the server.
 */
export function savepointRoutes(ctx: HandlerContext): Route[] {
  const operations = new Map<string, AsyncOperation>();
  const track = <T>(
    key: string,
    run: () => Promise<T>,
    done: (value: T) => Record<string, unknown>,
    failed: (error: unknown) => Record<string, unknown>,
  ) => {
    if (operations.has(key)) return;
    const operation: AsyncOperation = { status: 'IN_PROGRESS' };
    operations.set(key, operation);
    run().then(
      (value) => Object.assign(operation, { status: 'COMPLETED', result: done(value) }),
      (error: unknown) => Object.assign(operation, { status: 'COMPLETED', result: failed(error) }),
    );
  };
  /** Starts `run` once per trigger id (a retry with the same id finds the first) and answers 202 with the id. */
  const startOperation = async <T>(
    kind: string,
    request: RestRequest,
    triggerId: string | undefined,
    run: (jobId: string) => Promise<T>,
    done: (value: T) => Record<string, unknown>,
    failed: (error: unknown) => Record<string, unknown>,
  ) => {
    const jobId = jobIdParam(request);
    await ctx.cluster.jobStatus(jobId);
    const id = triggerId ?? randomBytes(16).toString('hex');
    track(`${kind}/${jobId}/${id}`, () => run(jobId), done, failed);
    return json(202, { 'request-id': id });
  };
  const start = (request: RestRequest, savepoint: SavepointRequest, triggerId: string | undefined) => {
    const trigger = ctx.cluster.triggerSavepoint?.bind(ctx.cluster);
    if (trigger === undefined) throw new RestError(501, 'This cluster does not take savepoints.');
    return startOperation(
      'savepoint',
      request,
      triggerId,
      (jobId) => trigger(jobId, savepoint),
      (location) => ({ location }),
      (error) => ({ 'failure-cause': failureCause(error) }),
    );
  };
  const report = (kind: string, what: string) => async (r: RestRequest) => {
    const jobId = jobIdParam(r);
    const triggerId = hexIdParam(r, 'triggerid');
    const operation = operations.get(`${kind}/${jobId}/${triggerId}`);
    if (operation === undefined) throw new RestError(404, `There is no ${what} operation with triggerId=${triggerId} for job ${jobId}.`);
    if (operation.status === 'IN_PROGRESS') return json(200, { status: { id: 'IN_PROGRESS' } });
    return json(200, { status: { id: 'COMPLETED' }, operation: operation.result });
  };
  return [
    {
      method: 'POST',
      path: '/jobs/:jobid/savepoints',
      handler: (r) => {
        const body = parseBody(r);
        const dir = stringField(body, 'target-directory');
        return start(r, { ...(dir ? { targetDirectory: dir } : {}), cancel: booleanField(body, 'cancel-job') }, triggerIdOf(body));
      },
    },
    {
      method: 'POST',
      path: '/jobs/:jobid/stop',
      handler: (r) => {
        const body = parseBody(r);
        const dir = stringField(body, 'targetDirectory');
        return start(r, { ...(dir ? { targetDirectory: dir } : {}), stop: true, drain: booleanField(body, 'drain') }, triggerIdOf(body));
      },
    },
    { method: 'GET', path: '/jobs/:jobid/savepoints/:triggerid', handler: report('savepoint', 'savepoint') },
    {
      method: 'POST',
      path: '/jobs/:jobid/checkpoints',
      handler: (r) => {
        const trigger = ctx.cluster.triggerCheckpoint?.bind(ctx.cluster);
        if (trigger === undefined) throw new RestError(501, 'This cluster does not take checkpoints on request.');
        const body = parseBody(r);
        const type = stringField(body, 'checkpointType');
        if (type !== undefined && !['CONFIGURED', 'FULL', 'INCREMENTAL'].includes(type))
          throw badRequest(`Bad request: checkpointType '${type}' is none of CONFIGURED, FULL, INCREMENTAL.`);
        return startOperation(
          'checkpoint',
          r,
          triggerIdOf(body),
          (jobId) => trigger(jobId),
          (checkpointId) => ({ checkpointId }),
          (error) => ({ failureCause: failureCause(error) }),
        );
      },
    },
    { method: 'GET', path: '/jobs/:jobid/checkpoints/:triggerid', handler: report('checkpoint', 'checkpoint') },
    {
      method: 'POST',
      path: '/savepoint-disposal',
      handler: async (r) => {
        const dispose = ctx.cluster.disposeSavepoint?.bind(ctx.cluster);
        if (dispose === undefined) throw new RestError(501, 'This cluster does not dispose of savepoints.');
        const path = stringField(parseBody(r), 'savepoint-path');
        if (path === undefined || path === '') throw badRequest("Bad request: field 'savepoint-path' is missing: the savepoint's path.");
        const id = randomBytes(16).toString('hex');
        track(
          `disposal/${id}`,
          () => dispose(path),
          () => ({}),
          (error) => ({ 'failure-cause': failureCause(error) }),
        );
        return json(200, { 'request-id': id });
      },
    },
    {
      method: 'GET',
      path: '/savepoint-disposal/:triggerid',
      handler: async (r) => {
        const triggerId = hexIdParam(r, 'triggerid');
        const operation = operations.get(`disposal/${triggerId}`);
        if (operation === undefined) throw new RestError(404, `There is no savepoint disposal operation with triggerId=${triggerId}.`);
        if (operation.status === 'IN_PROGRESS') return json(200, { status: { id: 'IN_PROGRESS' } });
        return json(200, { status: { id: 'COMPLETED' }, operation: operation.result });
      },
    },
  ];
}

/** Flink's SerializedThrowable on the wire: the class and the stack trace (whose first line is the message). */
function failureCause(error: unknown): Record<string, string> {
  const name = error instanceof Error ? error.name : 'Error';
  const message = errorMessage(error);
  const stack = error instanceof Error && error.stack ? error.stack : `${name}: ${message}`;
  return { class: name, 'stack-trace': stack.startsWith(name) ? stack : `${name}: ${message}\n${stack}` };
}

function parseBody(request: RestRequest): Body {
  if (request.body.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw badRequest('Bad request, could not parse the request body: it is not JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('Bad request, could not parse the request body: expected a JSON object.');
  return body as Body;
}

function stringField(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Bad request: field '${name}' must be a string.`);
  return v;
}

function booleanField(body: Body, name: string): boolean {
  const v = body[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`Bad request: field '${name}' must be true or false.`);
  return v;
}

function triggerIdOf(body: Body): string | undefined {
  const id = stringField(body, 'triggerId');
  if (id !== undefined && !/^[0-9a-fA-F]{32}$/.test(id))
    throw badRequest(`Bad request: triggerId '${id}' is not 32 hexadecimal characters.`);
  const format = stringField(body, 'formatType');
  if (format !== undefined && format !== 'CANONICAL' && format !== 'NATIVE')
    throw badRequest(`Bad request: formatType '${format}' is neither CANONICAL nor NATIVE.`);
  return id?.toLowerCase();
}
