import { AsyncLocalStorage } from 'node:async_hooks';
import type { JobGraphSpec, JobVertexSpec, StreamPlan } from '@spindle/protocol';
import type { StreamOperator } from '../tasks/operator.js';

/** The code of a job as the runtime sees it: operators are built from it by id, never shipped. */
export interface JobProgram {
  readonly graphHash: string;
  /** The operators of one vertex's chain, in the order of `vertex.operators`. */
  createOperators(vertex: JobVertexSpec): StreamOperator[];
  /** The key selector of a keyBy edge, by the data set id of the edge. */
  keySelector(dataSetId: string): ((record: unknown) => unknown) | undefined;
}

/** What a program hands over when it calls `execute()`. */
export interface ExecuteRequest {
  jobGraph: JobGraphSpec;
  plan: StreamPlan;
  program: JobProgram;
}

export interface JobExecutionResult {
  jobId: string;
  jobName: string;
  netRuntimeMs: number;
  accumulators: Record<string, unknown>;
}

/**
 * How a program's `execute()` behaves, set by whoever runs the program's main:
 * - 'plan': the graph is recorded and `execute()` never returns (`spindle info`);
 * - 'submit': the graph is submitted to a cluster and `execute()` returns the result;
 * - 'task': a worker rebuilds the graph to find its operators; `execute()` never returns.
 * Without a context, the API runs the job on a mini cluster inside the calling thread.
 */
export interface ProgramContext {
  readonly mode: 'plan' | 'submit' | 'task';
  readonly args: readonly string[];
  /** Configuration given to the client (-D, conf file), raw strings. */
  readonly config: Record<string, string>;
  execute(request: ExecuteRequest): Promise<JobExecutionResult>;
}

// Per run, not per module: concurrent runs in one thread each see their own context, through
// the program's top-level code, its main and every await in them.
const contexts = new AsyncLocalStorage<ProgramContext>();
/** The context of an exclusive run (see runWithProgramContext) while it lasts. */
let threadContext: ProgramContext | undefined;

/**
 * Runs `fn` (and everything it starts) under `context`. An `exclusive` run is the only program
 * run of its thread while it lasts (the CLI's process, a slot's worker thread): the context is
 * then the thread's, without AsyncLocalStorage, which would make Node.js track every promise and
 * callback of the thread (async hooks) for as long as the run lasts: the whole job in the CLI's
 * process, for good in a slot's worker, whose program waits in execute() forever.
 */
export async function runWithProgramContext<T>(context: ProgramContext, fn: () => Promise<T>, exclusive = false): Promise<T> {
  if (!exclusive) return contexts.run(context, fn);
  const previous = threadContext;
  threadContext = context;
  try {
    return await fn();
  } finally {
    threadContext = previous;
  }
}

/** The context of the program run this call belongs to, if any. */
export function getProgramContext(): ProgramContext | undefined {
  return contexts.getStore() ?? threadContext;
}
