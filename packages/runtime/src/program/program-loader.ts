import { pathToFileURL } from 'node:url';
import { SpindleError } from '@spindle/core';
import { runWithProgramContext, type ExecuteRequest, type JobExecutionResult, type ProgramContext } from './program-context.js';

type MainFunction = (args: string[]) => unknown;

/** Which function of a program is its main: the named export, else `main`, else the default export. */
function mainOf(mod: Record<string, unknown>, entryPoint: string | undefined): MainFunction | undefined {
  if (entryPoint !== undefined) {
    if (typeof mod[entryPoint] === 'function') return mod[entryPoint] as MainFunction;
    throw badEntryPoint(entryPoint, mod);
  }
  if (typeof mod.main === 'function') return mod.main as MainFunction;
  if (typeof mod.default === 'function') return mod.default as MainFunction;
  return undefined;
}

function badEntryPoint(entryPoint: string, mod: Record<string, unknown>): SpindleError {
  const functions = Object.keys(mod)
    .filter((k) => typeof mod[k] === 'function')
    .sort();
  return new SpindleError(
    `The entry point '${entryPoint}' (entryClass) is not an exported function of the program; its exported functions are: ` +
      `${functions.length > 0 ? functions.join(', ') : '(none)'}. A JavaScript bundle has no classes: name an exported ` +
      'function, or leave entryClass out to run `main` or the default export.',
    { code: 'BAD_ENTRY_POINT', userFacing: true, recoverability: 'non-recoverable' },
  );
}

/**
 * Runs a bundled program's main under `context`: importing the module runs its top-level code;
 * when that did not call `execute()` and the module exports `main` (or a default function, or
 * the export named by `entryPoint`), that is called with the arguments. Resolves when the
 * program's main completes.
 *
 * A module's top-level code runs once per thread (modules are cached), and top-level programs read
 * `process.argv`, which this sets: the calling thread must be the program's own, as the CLI's
 * process, a slot's worker thread or a plan worker thread are. The context is per call; `exclusive`
 * when no other program runs in the thread meanwhile (see runWithProgramContext).
 */
export async function runProgram(
  bundlePath: string,
  context: ProgramContext,
  wasExecuted: () => boolean,
  options: { entryPoint?: string; instance?: number; exclusive?: boolean } = {},
): Promise<void> {
  const { entryPoint, instance } = options;
  const previousArgv = process.argv;
  // As for `node job.js args`: top-level programs read their arguments from process.argv.
  process.argv = [process.execPath, bundlePath, ...context.args];
  try {
    await runWithProgramContext(
      context,
      async () => {
        // A new instance re-runs the top-level code of a bundle this thread imported before.
        const url = pathToFileURL(bundlePath).href + (instance === undefined ? '' : `?run=${instance}`);
        const mod = (await import(url)) as Record<string, unknown>;
        const main = mainOf(mod, entryPoint);
        if (main && !wasExecuted()) await main([...context.args]);
      },
      options.exclusive,
    );
  } finally {
    process.argv = previousArgv;
  }
}

export function noExecuteError(): SpindleError {
  return new SpindleError(
    "The program didn't contain a Spindle job: it finished without calling execute() (or executeAndCollect()) " +
      'on its StreamExecutionEnvironment. Build a pipeline and call `await env.execute()` in the job file or in ' +
      'an exported `main(args)` function.',
    { code: 'NO_JOB', userFacing: true, recoverability: 'non-recoverable' },
  );
}

export interface CaptureOptions {
  args: readonly string[];
  /** Configuration given to the program's environment, raw strings. */
  config: Record<string, string>;
  /** Which `execute()` call of the program to capture, counting from 0. */
  jobIndex?: number;
  mode?: 'plan' | 'task';
  /** The export to run as main (a run request's `entryClass`). */
  entryPoint?: string;
  /** Import a new instance of the bundle, numbered so, when this thread may have run it before. */
  instance?: number;
  /** No other program runs in this thread meanwhile (a slot's worker thread); see runWithProgramContext. */
  exclusive?: boolean;
}

/**
 * Rebuilds the graph of job number `jobIndex` of the program in this thread ('task' or 'plan'): the
 * program's `execute()` calls before it return an empty result, the wanted one is captured and
 * never returns. Rejects when the program ends without reaching it.
 */
export async function captureProgramJob(bundlePath: string, options: CaptureOptions): Promise<ExecuteRequest> {
  const jobIndex = options.jobIndex ?? 0;
  let calls = 0;
  let captured = false;
  let resolveCapture!: (r: ExecuteRequest) => void;
  const capture = new Promise<ExecuteRequest>((resolve) => (resolveCapture = resolve));
  const context: ProgramContext = {
    mode: options.mode ?? 'task',
    args: options.args,
    config: options.config,
    execute(request: ExecuteRequest): Promise<JobExecutionResult> {
      if (calls++ !== jobIndex) {
        return Promise.resolve({ jobId: request.jobGraph.jobId, jobName: request.jobGraph.name, netRuntimeMs: 0, accumulators: {} });
      }
      captured = true;
      resolveCapture(request);
      return new Promise(() => undefined);
    },
  };
  const finished = runProgram(bundlePath, context, () => captured, options).then(() => {
    if (!captured) throw noExecuteError();
    return new Promise<never>(() => undefined);
  });
  return Promise.race([capture, finished]);
}
