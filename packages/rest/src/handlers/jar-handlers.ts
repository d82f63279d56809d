import { isValidJarId } from '../jar-runner.js';
import { MultipartError, multipartBoundary, parseMultipart, type MultipartPart } from '../server/multipart.js';
import { badRequest } from '../server/rest-error.js';
import type { RestRequest, Route } from '../server/router.js';
import { jarListBody } from '../wire/cluster-wire.js';
import { planBody } from '../wire/job-wire.js';
import { parseJarRunRequest } from './jar-run-request.js';
import { json, type HandlerContext } from './params.js';

/** Programs are JavaScript bundles or archives; `.jar` is accepted for Flink tools' sake. */
export const ACCEPTED_EXTENSIONS = ['.js', '.mjs', '.zip', '.tgz', '.jar'];

/**
 * `/jars/...`: upload, list, delete, run and plan uploaded programs. With `web.submit.enable:
 * false` none of them is served: as Flink, which registers its web submission handlers only
 * when web submission is enabled, every `/jars` path then answers 404.
 */
export function jarRoutes(ctx: HandlerContext): Route[] {
  return ctx.features.submit ? jarRoutesWhenEnabled(ctx) : [];
}

function jarRoutesWhenEnabled(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  const plan = async (r: RestRequest) => json(200, { plan: planBody(await cluster.planJar(jarIdParam(r), parseJarRunRequest(r))) });
  return [
    { method: 'POST', path: '/jars/:jarid/plan', handler: plan },
    { method: 'GET', path: '/jars/:jarid/plan', handler: plan },
    { method: 'POST', path: '/jars/upload', handler: (r) => upload(ctx, r) },
    { method: 'GET', path: '/jars', handler: async (r) => json(200, jarListBody(r.baseUrl, await cluster.listJars())) },
    {
      method: 'DELETE',
      path: '/jars/:jarid',
      handler: async (r) => {
        await cluster.deleteJar(jarIdParam(r));
        return json(200, {});
      },
    },
    {
      method: 'POST',
      path: '/jars/:jarid/run',
      handler: async (r) => {
        const jarId = jarIdParam(r);
        const jobId = await cluster.runJar(jarId, parseJarRunRequest(r));
        return json(200, { jobid: jobId });
      },
    },
  ];
}

function jarIdParam(request: RestRequest): string {
  const jarId = request.params.jarid ?? '';
  if (!isValidJarId(jarId)) throw badRequest(`Bad request: '${jarId}' is not a valid jar id.`);
  return jarId;
}

/** POST /jars/upload: one file part (field `jarfile`) of an accepted type. */
async function upload(ctx: HandlerContext, request: RestRequest) {
  const file = uploadedFile(request);
  const name = file.filename ?? '';
  if (!ACCEPTED_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) {
    throw badRequest(`Only JavaScript bundles and archives are allowed (${ACCEPTED_EXTENSIONS.join(', ')}); got '${name}'.`);
  }
  const jar = await ctx.cluster.uploadJar(name, file.data);
  return json(200, { filename: jar.path, status: 'success' });
}

function uploadedFile(request: RestRequest): MultipartPart {
  let parts: MultipartPart[];
  try {
    const boundary = multipartBoundary(request.headers['content-type']);
    parts = boundary === undefined ? [] : parseMultipart(request.body, boundary);
  } catch (e) {
    if (e instanceof MultipartError) throw badRequest(e.message);
    throw e;
  }
  const files = parts.filter((p) => p.filename !== undefined);
  // Flink takes any single file part; prefer the conventional field when several are sent.
  const jarfile = files.filter((p) => p.name === 'jarfile');
  const chosen = jarfile.length === 1 ? jarfile : files;
  if (chosen.length !== 1) throw badRequest(`Exactly 1 file must be sent, received ${chosen.length}.`);
  return chosen[0]!;
}
