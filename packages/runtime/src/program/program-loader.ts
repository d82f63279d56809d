import { pathToFileURL } from 'node:url';
import { SpindleError } from '@spindle/core';
import { getProgramContext, setProgramContext, type ExecuteRequest, type JobExecutionResult, type ProgramContext } from './program-context.js';

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
  const functions = Object.keys(mod).filter((k) => typeof mod[k] === 'function').sort();
  return new SpindleError(
    `The entry point '${entryPoint}' (entryClass) is not an exported function of the program; its exported functions are: ` +
      `${functions.length > 0 ? functions.join(', ') : '(none)'}. A JavaScript bundle has no classes: name an exported ` +
      'function, or leave entryClass out to run `main` or the default export.',
    { code: 'BAD_ENTRY_POINT', userFacing: true, recoverability: 'non-recoverable' },
  );
}

/**
 * Runs a bundled program's main under `context`: importing the module runs its top-level code;
 * when that did not call `execute()` and the module exports `main` (or a default function), that
 * is called with the arguments. Resolves when the program's main completes.
 */
let instances = 0;

export async function runProgram(
  bundlePath: string,
  context: ProgramContext,
  wasExecuted: () => boolean,
  fresh = false,
  entryPoint?: string,
): Promise<void> {
  const previous = getProgramContext();
  const previousArgv = process.argv;
  setProgramContext(context);
  // As for `node job.js args`: top-level programs read their arguments from process.argv.
  process.argv = [process.execPath, bundlePath, ...context.args];
  try {
    // A fresh instance re-runs the module's top-level code even when this thread imported it before.
    const url = pathToFileURL(bundlePath).href + (fresh ? `?instance=${++instances}` : '');
    const mod = (await import(url)) as Record<string, unknown>;
    const main = mainOf(mod, entryPoint);
    if (main && !wasExecuted()) await main([...context.args]);
  } finally {
    process.argv = previousArgv;
    if (getProgramContext() === context) setProgramContext(previous);
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

/**
 * Rebuilds the graph of job number `jobIndex` of the program in this thread ('task' or 'plan'): the
 * program's `execute()` calls before it return an empty result, the wanted one is captured and
 * never returns. Rejects when the program ends without reaching it.
 */
export async function captureProgramJob(
  bundlePath: string,
  args: readonly string[],
  config: Record<string, string>,
  jobIndex: number,
  mode: 'plan' | 'task' = 'task',
  fresh = false,
  entryPoint?: string,
): Promise<ExecuteRequest> {
  let calls = 0;
  let captured = false;
  let resolveCapture!: (r: ExecuteRequest) => void;
  const capture = new Promise<ExecuteRequest>((resolve) => (resolveCapture = resolve));
  const context: ProgramContext = {
    mode,
    args,
    config,
    execute(request: ExecuteRequest): Promise<JobExecutionResult> {
      if (calls++ !== jobIndex) {
        return Promise.resolve({ jobId: request.jobGraph.jobId, jobName: request.jobGraph.name, netRuntimeMs: 0, accumulators: {} });
      }
      captured = true;
      resolveCapture(request);
      return new Promise(() => undefined);
    },
  };
  const finished = runProgram(bundlePath, context, () => captured, fresh, entryPoint).then(() => {
    if (!captured) throw noExecuteError();
    return new Promise<never>(() => undefined);
  });
  return Promise.race([capture, finished]);
}
