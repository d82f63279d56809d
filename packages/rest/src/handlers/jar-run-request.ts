import type { JarRunRequest } from '../cluster-view.js';
import type { RestRequest } from '../server/router.js';
import { badRequest } from '../server/rest-error.js';

const FORMAT_ERROR = 'Request did not match expected format JarRunRequestBody.';
const RESTORE_MODES = ['CLAIM', 'NO_CLAIM', 'LEGACY'] as const;

type Body = Record<string, unknown>;

/**
 * The run request from the JSON body and the query string; a body field wins over the query
 * parameter of the same meaning, as in Flink.
 */
export function parseJarRunRequest(request: RestRequest): JarRunRequest {
  const body = parseBody(request.body);
  const query = request.query;
  const q = (...names: string[]) => names.map((n) => query.get(n)).find((v) => v !== null && v !== '') ?? undefined;
  const out: JarRunRequest = {
    programArgs: programArgs(body, q('programArg', 'program-args', 'programArgs')),
    flinkConfiguration: configuration(body),
  };
  const entryClass = optionalString(body, 'entryClass') ?? q('entry-class', 'entryClass');
  if (entryClass !== undefined) out.entryClass = entryClass;
  const parallelism = parallelismOf(body.parallelism ?? q('parallelism'));
  if (parallelism !== undefined) out.parallelism = parallelism;
  const jobId = optionalString(body, 'jobId') ?? q('jobId');
  if (jobId !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(jobId)) throw badRequest(`Bad request: jobId '${jobId}' is not 32 hexadecimal characters.`);
    out.jobId = jobId.toLowerCase();
  }
  const savepointPath = optionalString(body, 'savepointPath') ?? q('savepointPath');
  if (savepointPath !== undefined) out.savepointPath = savepointPath;
  const allow = body.allowNonRestoredState ?? q('allowNonRestoredState');
  if (allow !== undefined) out.allowNonRestoredState = booleanOf(allow, 'allowNonRestoredState');
  const restoreMode = optionalString(body, 'restoreMode') ?? q('restoreMode');
  if (restoreMode !== undefined) out.restoreMode = restoreModeOf(restoreMode);
  return out;
}

function parseBody(raw: Buffer): Body {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(FORMAT_ERROR);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(FORMAT_ERROR);
  return parsed as Body;
}

function optionalString(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${FORMAT_ERROR} Field ${name} must be a string.`);
  return v;
}

function programArgs(body: Body, queryArgs: string | undefined): string[] {
  const list = body.programArgsList;
  const line = optionalString(body, 'programArgs');
  if (list !== undefined && list !== null) {
    if (line !== undefined)
      throw badRequest('Confusing request: programArgs and programArgsList are specified, please, use only programArgsList');
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string'))
      throw badRequest(`${FORMAT_ERROR} Field programArgsList must be a list of strings.`);
    return list;
  }
  return tokenize(line ?? queryArgs ?? '');
}

/** Splits a command line at unquoted whitespace; single and double quotes group words. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const token = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(token)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function parallelismOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n === 0 || n < -1) {
    throw badRequest(`Bad request: parallelism '${typeof v === 'string' ? v : JSON.stringify(v)}' must be a positive integer.`);
  }
  return n === -1 ? undefined : n;
}

function booleanOf(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`Bad request: ${name} must be true or false.`);
}

function restoreModeOf(v: string): JarRunRequest['restoreMode'] {
  const mode = v.toUpperCase();
  const known = RESTORE_MODES.find((m) => m === mode);
  if (!known) throw badRequest(`Bad request: restoreMode '${v}' is not one of ${RESTORE_MODES.join(', ')}.`);
  return known;
}

function configuration(body: Body): Record<string, string> {
  const c = body.flinkConfiguration;
  if (c === undefined || c === null) return {};
  if (typeof c !== 'object' || Array.isArray(c)) throw badRequest(`${FORMAT_ERROR} Field flinkConfiguration must be an object.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw badRequest(`${FORMAT_ERROR} flinkConfiguration.${k} must be a string, number or boolean.`);
  }
  return out;
}
