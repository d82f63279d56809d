import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SerializedError } from './errors.js';

/** A failure as users read it, the same in the CLI and in REST's exception history. */
export interface RenderedFailure {
  /** The name of the user's own error (what their code threw), else of the failure itself. */
  exceptionName: string;
  /** The whole chain, Java style: the failure's stack, then `Caused by: ...` for each cause. */
  stacktrace: string;
  /** The failure's message and, on its own line, `    at <file>:<line>:<col>` of the job's code. */
  summary: string;
  /** Where in the job's code the failure arose, when a frame of it is known. */
  location?: string;
}

export interface RenderOptions {
  /**
   * The directory of the job's source; only frames below it count as the job's. Without it, the
   * job's frames are those outside Node's internals, `node_modules` and the engine's own packages.
   */
  sourceDir?: string;
  /** Show the location relative to this directory (the CLI's working directory). */
  relativeTo?: string;
}

/** The engine's packages directory (`.../packages` in a checkout), whose frames are never the job's. */
const ENGINE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const FRAME = /\(?(?:file:\/\/)?(\/[^():]+):(\d+):(\d+)\)?\s*$/;

export function renderFailure(failure: SerializedError, options: RenderOptions = {}): RenderedFailure {
  const chain = causeChain(failure);
  const location = jobFrame(chain, options);
  const where = location === undefined ? '' : `\n    at ${location}`;
  const rendered: RenderedFailure = {
    exceptionName: usersError(chain).name,
    stacktrace: chain.map((e, i) => (i === 0 ? '' : 'Caused by: ') + stackOf(e)).join('\n'),
    summary: failure.message + where,
  };
  if (location !== undefined) rendered.location = location;
  return rendered;
}

function causeChain(failure: SerializedError): SerializedError[] {
  const chain: SerializedError[] = [];
  for (let e: SerializedError | undefined = failure; e; e = e.cause) chain.push(e);
  return chain;
}

/** What the user's code threw: the cause of the innermost wrapper of user code, if any. */
function usersError(chain: SerializedError[]): SerializedError {
  let users = chain[0]!;
  for (let i = 0; i < chain.length - 1; i++) if (chain[i]!.code === 'USER_CODE') users = chain[i + 1]!;
  return users;
}

function stackOf(e: SerializedError): string {
  const header = `${e.name}: ${e.message}`;
  if (e.stack === undefined) return header;
  const frames = e.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [header, ...frames.map((f) => `    ${f.trim()}`)].join('\n');
}

/** The first frame of the job's code, searching the innermost cause first. */
function jobFrame(chain: SerializedError[], options: RenderOptions): string | undefined {
  for (const e of [...chain].reverse()) {
    for (const line of (e.stack ?? '').split('\n')) {
      const m = FRAME.exec(line.trim());
      if (!m || !/^\s*at /.test(line) || !isJobFile(m[1]!, options.sourceDir)) continue;
      const file = options.relativeTo === undefined ? m[1]! : path.relative(options.relativeTo, m[1]!);
      return `${file}:${m[2]}:${m[3]}`;
    }
  }
  return undefined;
}

function isJobFile(file: string, sourceDir: string | undefined): boolean {
  if (file.includes('/node_modules/')) return false;
  if (sourceDir !== undefined) return file.startsWith(sourceDir + path.sep);
  return !file.startsWith(ENGINE_DIR + path.sep);
}
