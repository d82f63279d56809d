import { Worker } from 'node:worker_threads';
import { SpindleError, deserializeError, type SerializedError } from '@spindle/core';
import type { JobGraphSpec, StreamPlan } from '@spindle/protocol';
import type { CaptureOptions } from './program-loader.js';

export interface PlanRunnerOptions {
  /** Plans run at once, one worker thread each (`rest.jar-run.max-concurrent`). */
  maxConcurrent: number;
  /** Plans that may wait for a worker; beyond, `plan()` rejects at once (`rest.jar-run.max-queued`). */
  maxQueued: number;
  /** Longest time a program may take to build its job, from its worker's start (`rest.jar-run.timeout`). */
  timeoutMs: number;
}

/** The job a program built in plan mode, as plain data. */
export interface PlannedJob {
  jobGraph: JobGraphSpec;
  plan: StreamPlan;
}

export interface PlanWorkerRequest {
  id: number;
  bundlePath: string;
  options: Omit<CaptureOptions, 'mode' | 'instance'>;
}

export type PlanWorkerMessage = { type: 'planned'; id: number; job: PlannedJob } | { type: 'failed'; id: number; error: SerializedError };

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

interface PlanWorker {
  worker: Worker;
  runs: number;
}

/**
 * Runs of one worker thread before it is retired: each run leaves its module instance (and
 * whatever its main still awaits) in the thread, so threads are replaced to bound that.
 * Measured on two cores: a new thread per run costs ~300-500 ms of loading the engine, which
 * made 200 runs take two minutes; a thread serving runs in turn costs a few ms per run.
 */
const RUNS_PER_WORKER = 25;

/**
 * Runs programs' mains in plan mode on the JobManager (Flink's jar run) in worker threads, one
 * run at a time per thread: concurrent runs of one bundle each run its top-level code under
 * their own context and get their own graph, and no run changes this thread's `process.argv`
 * or keeps modules alive beyond its thread's retirement. At most `maxConcurrent` run at once
 * and `maxQueued` wait; every `plan()` settles within a bounded time, since a run that does not
 * answer within `timeoutMs` has its thread terminated.
 */
export class PlanRunner {
  private running = 0;
  private nextId = 0;
  private readonly queue: Waiter[] = [];
  private readonly idle: PlanWorker[] = [];
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: PlanRunnerOptions) {}

  /** Builds the job of a program; rejects with user-facing errors for what the program did wrong. */
  async plan(bundlePath: string, options: PlanWorkerRequest['options']): Promise<PlannedJob> {
    await this.acquire();
    try {
      return await this.runInWorker({ id: this.nextId++, bundlePath, options });
    } finally {
      this.release();
    }
  }

  /** Stops running plans and refuses waiting and further ones. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(closedError());
    this.idle.splice(0);
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(this.busyError());
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  /** Hands the turn of a finished run to the next waiting one. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next.resolve();
    else this.running--;
  }

  private takeWorker(): PlanWorker {
    const reused = this.idle.pop();
    if (reused) return reused;
    const worker = new Worker(new URL('./plan-worker.js', import.meta.url));
    worker.unref();
    this.workers.add(worker);
    return { worker, runs: 0 };
  }

  /** Keeps a worker that answered for the next run, or retires it. */
  private returnWorker(w: PlanWorker): void {
    if (++w.runs < RUNS_PER_WORKER && !this.closed) this.idle.push(w);
    else this.retire(w.worker);
  }

  private retire(worker: Worker): void {
    this.workers.delete(worker);
    void worker.terminate();
  }

  private runInWorker(request: PlanWorkerRequest): Promise<PlannedJob> {
    const w = this.takeWorker();
    return new Promise<PlannedJob>((resolve, reject) => {
      const done = (outcome: PlannedJob | Error, healthy: boolean): void => {
        clearTimeout(timer);
        w.worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (healthy) this.returnWorker(w);
        else this.retire(w.worker);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onMessage = (m: PlanWorkerMessage): void => {
        if (m.id === request.id) done(m.type === 'planned' ? m.job : programError(m.error), true);
      };
      const onError = (e: Error): void => done(programFailed(`${e.name}: ${e.message}`, e), false);
      const onExit = (code: number): void => done(programFailed(`it ended (exit code ${code}) before building a job`), false);
      const timer = setTimeout(() => done(timeoutError(this.options.timeoutMs), false), this.options.timeoutMs);
      w.worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.worker.postMessage(request);
    });
  }

  private busyError(): SpindleError {
    return new SpindleError(
      `Too many programs are being run: ${this.running} run and ${this.queue.length} wait (rest.jar-run.max-concurrent, ` +
        'rest.jar-run.max-queued). Try again later.',
      { code: 'PLAN_RUNS_EXHAUSTED', userFacing: true, recoverability: 'recoverable' },
    );
  }
}

/** Errors Spindle raised for the user (no job, bad entry point) pass as they are; others are the program's. */
function programError(serialized: SerializedError): SpindleError {
  const error = deserializeError(serialized);
  return serialized.userFacing ? error : programFailed(`${serialized.name}: ${serialized.message}`, error);
}

function programFailed(what: string, cause?: unknown): SpindleError {
  return new SpindleError(`The program could not be run to build its job: ${what}`, {
    code: 'PROGRAM_FAILED',
    userFacing: true,
    recoverability: 'non-recoverable',
    cause,
  });
}

function timeoutError(timeoutMs: number): SpindleError {
  return new SpindleError(
    `The program did not build its job within ${timeoutMs} ms (rest.jar-run.timeout): its main must call execute() ` +
      'without waiting for anything else first.',
    { code: 'PLAN_TIMEOUT', userFacing: true, recoverability: 'non-recoverable' },
  );
}

function closedError(): SpindleError {
  return new SpindleError('The JobManager is shutting down; the program was not run.', { code: 'PLAN_RUNS_EXHAUSTED', userFacing: true });
}
