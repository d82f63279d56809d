import { parentPort } from 'node:worker_threads';
import { configureLogging, installSourceMappedStacks, serializeError } from '@spindle/core';
import { captureProgramJob } from './program-loader.js';
import type { PlanWorkerMessage, PlanWorkerRequest } from './plan-runner.js';

/**
 * Entry of a plan worker thread: runs programs' mains in plan mode, one at a time, and posts the
 * job each builds or why it built none. Each run imports a new instance of its bundle, so its
 * top-level code runs again; the PlanRunner retires the thread (and the module instances it
 * holds) after a few runs, and terminates it when a run does not answer in time.
 */
const port = parentPort!;
installSourceMappedStacks();
configureLogging({ format: process.env.SPINDLE_LOG_FORMAT === 'json' ? 'json' : 'human' });

const post = (message: PlanWorkerMessage): void => port.postMessage(message);

port.on('message', (request: PlanWorkerRequest) => {
  captureProgramJob(request.bundlePath, { ...request.options, mode: 'plan', instance: request.id }).then(
    ({ jobGraph, plan }) => post({ type: 'planned', id: request.id, job: { jobGraph, plan } }),
    (e: unknown) => post({ type: 'failed', id: request.id, error: serializeError(e) }),
  );
});
