import { SpindleError } from '@spindle/core';
import type { ExceptionHistory } from '../cluster-view.js';
import { JobTerminatedWithoutCancellationError } from '../errors.js';
import { RestError, badRequest } from '../server/rest-error.js';
import type { RestRequest, Route } from '../server/router.js';
import { executionResultBody, exceptionsBody, jobDetailsBody, jobOverviewEntry, planBody } from '../wire/job-wire.js';
import { MultipartError, multipartBoundary, parseMultipart, type MultipartPart } from '../server/multipart.js';
import { intQuery, json, jobIdParam, type HandlerContext } from './params.js';

const STOP_REMOVED =
  'The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. ' +
  'For a graceful shutdown, please use "jobs/:jobId/stop" instead.';

export function jobRoutes(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  return [
    { method: 'POST', path: '/jobs', handler: (r) => submit(ctx, r) },
    {
      method: 'GET',
      path: '/jobs',
      handler: async () => {
        const jobs = await cluster.listJobs();
        return json(200, { jobs: jobs.map((j) => ({ id: j.jobId, status: j.status })) });
      },
    },
    {
      method: 'GET',
      path: '/jobs/overview',
      handler: async () => {
        const jobs = await cluster.listJobs();
        const now = ctx.now();
        return json(200, { jobs: jobs.map((j) => jobOverviewEntry(j, now)) });
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid',
      handler: async (r) => json(200, jobDetailsBody(await cluster.jobDetails(jobIdParam(r)), ctx.now())),
    },
    { method: 'PATCH', path: '/jobs/:jobid', handler: (r) => cancel(ctx, r) },
    { method: 'PATCH', path: '/jobs/:jobid/clientHeartbeat', handler: (r) => clientHeartbeat(ctx, r) },
    { method: 'GET', path: '/jobs/:jobid/status', handler: async (r) => json(200, { status: await cluster.jobStatus(jobIdParam(r)) }) },
    {
      method: 'GET',
      path: '/jobs/:jobid/execution-result',
      handler: async (r) => json(200, executionResultBody(await cluster.jobResult(jobIdParam(r)))),
    },
    { method: 'GET', path: '/jobs/:jobid/exceptions', handler: (r) => exceptions(ctx, r) },
    {
      method: 'GET',
      path: '/jobs/:jobid/plan',
      handler: async (r) => json(200, { plan: planBody((await cluster.jobDetails(jobIdParam(r))).plan) }),
    },
  ];
}

/** PATCH /jobs/:jobid/clientHeartbeat `{"expiredTimestamp": <ms>}` (Flink's JobClientHeartbeatHandler): 202. */
async function clientHeartbeat(ctx: HandlerContext, request: RestRequest) {
  const jobId = jobIdParam(request);
  let expired: unknown;
  try {
    expired = (JSON.parse(request.body.toString('utf8')) as { expiredTimestamp?: unknown }).expiredTimestamp;
  } catch {
    expired = undefined;
  }
  if (typeof expired !== 'number' || !Number.isFinite(expired)) {
    throw badRequest('Bad request, could not parse the request body: expected {"expiredTimestamp": <milliseconds since the epoch>}.');
  }
  await ctx.cluster.reportClientHeartbeat(jobId, expired);
  return json(202, {});
}

/**
 * PATCH /jobs/:jobid?mode=cancel: 202 once cancellation started; 409 when the job ended
 * otherwise; 403 with `web.cancel.enable: false`, as Flink's cancellation handler answers.
 */
async function cancel(ctx: HandlerContext, request: RestRequest) {
  const jobId = jobIdParam(request);
  if (!ctx.features.cancel) throw new RestError(403, 'Cancelling jobs is disabled on this cluster (web.cancel.enable: false).');
  const mode = (request.query.get('mode') ?? 'cancel').toLowerCase();
  if (mode === 'stop') throw badRequest(STOP_REMOVED);
  if (mode !== 'cancel')
    throw badRequest(
      `Bad request, could not parse parameters: unknown termination mode '${request.query.get('mode')}', expected 'cancel'.`,
    );
  try {
    await ctx.cluster.cancelJob(jobId);
  } catch (e) {
    if (
      e instanceof JobTerminatedWithoutCancellationError ||
      (e instanceof SpindleError && e.code === 'JOB_TERMINATED_WITHOUT_CANCELLATION')
    ) {
      const status = e instanceof JobTerminatedWithoutCancellationError ? e.status : 'a terminal state';
      throw new RestError(409, `Job cancellation failed because the job has already reached another terminal state (${status}).`, [
        e.message,
      ]);
    }
    throw e;
  }
  return json(202, {});
}

/** GET /jobs/:jobid/exceptions?maxExceptions=n&failureLabelFilter=k:v,... */
async function exceptions(ctx: HandlerContext, request: RestRequest) {
  const jobId = jobIdParam(request);
  const max = intQuery(request, 'maxExceptions');
  if (max !== undefined && max < 0) throw badRequest('Bad request, could not parse parameters: maxExceptions must not be negative.');
  const filter = labelFilter(request.query.getAll('failureLabelFilter'));
  const history = await ctx.cluster.exceptionHistory(jobId);
  let entries = history.entries.filter((e) => filter.every(([k, v]) => e.failureLabels[k] === v));
  let truncated = history.truncated;
  if (max !== undefined && entries.length > max) {
    entries = entries.slice(0, max);
    truncated = true;
  }
  const limited: ExceptionHistory = { entries, truncated };
  return json(200, exceptionsBody(limited));
}

function labelFilter(values: string[]): Array<[string, string]> {
  const pairs = values.flatMap((v) => v.split(',')).filter((s) => s !== '');
  return pairs.map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw badRequest(`Bad request, could not parse parameters: failureLabelFilter '${pair}' is not of the form key:value.`);
    return [pair.slice(0, colon), pair.slice(colon + 1)];
  });
}

interface SubmitRequestBody {
  jobGraphFileName?: unknown;
  jobJarFileNames?: unknown;
  programArgs?: unknown;
}

/**
 * POST /jobs, as Flink's client sends it: a multipart form whose `request` part names the job
 * graph file and the jar files among the other parts. Spindle takes one jar, the job bundle.
 * Answers 202 with the job's URL.
 */
async function submit(ctx: HandlerContext, request: RestRequest) {
  let parts: MultipartPart[];
  try {
    const boundary = multipartBoundary(request.headers['content-type']);
    if (boundary === undefined) throw badRequest('Bad request: POST /jobs expects multipart/form-data with a "request" part.');
    parts = parseMultipart(request.body, boundary);
  } catch (e) {
    if (e instanceof MultipartError) throw badRequest(`Bad request: ${e.message}`);
    throw e;
  }
  const body = parseJsonPart<SubmitRequestBody>(
    parts.find((p) => p.name === 'request'),
    'request',
  );
  const graphName = typeof body.jobGraphFileName === 'string' ? body.jobGraphFileName : undefined;
  const jars = Array.isArray(body.jobJarFileNames) ? body.jobJarFileNames.filter((n): n is string => typeof n === 'string') : [];
  if (graphName === undefined || jars.length !== 1) {
    throw badRequest(
      'Bad request: the "request" part must name the job graph file (jobGraphFileName) and exactly one bundle (jobJarFileNames).',
    );
  }
  const filePart = (name: string) => parts.find((p) => p.filename === name || p.name === name);
  const jobGraph = parseJsonPart<unknown>(filePart(graphName), graphName);
  const bundle = filePart(jars[0]!);
  if (!bundle) throw badRequest(`Bad request: the bundle '${jars[0]}' is missing from the form.`);
  const programArgs = Array.isArray(body.programArgs) ? body.programArgs.map(String) : [];
  try {
    const jobId = await ctx.cluster.submitJob({ jobGraph, bundle: bundle.data, programArgs });
    return json(202, { jobUrl: `/jobs/${jobId}` });
  } catch (e) {
    if (e instanceof SpindleError && e.userFacing) throw badRequest(`Job submission failed: ${e.message}`);
    throw e;
  }
}

function parseJsonPart<T>(part: MultipartPart | undefined, name: string): T {
  if (!part) throw badRequest(`Bad request: the form has no '${name}' part.`);
  try {
    return JSON.parse(Buffer.from(part.data).toString('utf8')) as T;
  } catch {
    throw badRequest(`Bad request: the '${name}' part is not valid JSON.`);
  }
}
