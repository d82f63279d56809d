import fs from 'node:fs';
import { CoreOptions, type Configuration } from '@spindle/core';
import type { SerializedFailure } from '@spindle/protocol';
import { jobFailure } from './job-failure.js';
import type { ExecuteRequest, JobExecutionResult } from '@spindle/runtime';
import type { CompiledJob } from './job-compiler.js';
import { printAccumulators, runSubmitting, type Console } from './local-runner.js';
import { onTermination } from './termination.js';
import { multipart, type RestClient } from './rest-client.js';
import { NO_PROGRESS, followJob, restDetailsSource, type ProgressDisplay } from './job-progress.js';

interface ExecutionResultBody {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  'job-execution-result'?: {
    id: string;
    'application-status': 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';
    'net-runtime': number;
    /** Each value base64 of its JSON form, as Flink serializes accumulator values. */
    'accumulator-results': Record<string, string>;
    'failure-cause'?: { class: string; 'stack-trace': string; 'serialized-throwable'?: string };
  };
}

/**
 * Runs the program's main here and submits each `execute()` to a session cluster over REST:
 * `POST /jobs` with the JobGraph and the job bundle (Flink's multipart form), then, unless
 * detached, polls `/jobs/:id/execution-result` until the job ends.
 */
export function runOnCluster(
  job: CompiledJob,
  args: string[],
  config: Configuration,
  console: Console,
  client: RestClient,
  detached: boolean,
  display: ProgressDisplay = NO_PROGRESS,
): Promise<void> {
  const bundle = fs.readFileSync(job.bundlePath);
  const guard = !detached && config.get(CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT) ? clientGuard(config) : undefined;
  return runSubmitting(job, args, config, (request) =>
    submit(request, bundle, args, console, client, detached ? undefined : display, job.sourcePath, guard),
  );
}

/** `execution.shutdown-on-attached-exit`: the client's heartbeat settings, which also travel in the job's configuration. */
interface ClientGuard {
  intervalMs: number;
  timeoutMs: number;
}

function clientGuard(config: Configuration): ClientGuard {
  return { intervalMs: config.get(CoreOptions.CLIENT_HEARTBEAT_INTERVAL), timeoutMs: config.get(CoreOptions.CLIENT_HEARTBEAT_TIMEOUT) };
}

/**
 * While an attached client waits for its job: heartbeats to the JobManager every interval (a
 * client that dies outright stops them, and the JobManager cancels the job after the timeout),
 * and SIGTERM/SIGINT cancel the job before the client exits (143/130). Returns the undo.
 */
export function guardAttachedJob(client: RestClient, jobId: string, guard: ClientGuard, console: Console): () => void {
  const beat = () => sendClientHeartbeat(client, jobId, guard.timeoutMs).catch(() => undefined);
  const timer = setInterval(() => void beat(), guard.intervalMs);
  const undoHook = onTermination(async (signal) => {
    console.err(`The client received ${signal}: cancelling job ${jobId} (execution.shutdown-on-attached-exit).`);
    await client
      .request('PATCH', `/jobs/${jobId}?mode=cancel`)
      .catch((e: unknown) => console.err(`Could not cancel job ${jobId}: ${String(e)}`));
  });
  return () => {
    clearInterval(timer);
    undoHook();
  };
}

/** One client heartbeat (`PATCH /jobs/:jobid/clientHeartbeat`): the job lives on for `timeoutMs` at least. */
export async function sendClientHeartbeat(client: RestClient, jobId: string, timeoutMs: number): Promise<void> {
  await client.request('PATCH', `/jobs/${jobId}/clientHeartbeat`, {
    body: JSON.stringify({ expiredTimestamp: Date.now() + timeoutMs }),
    contentType: 'application/json',
  });
}

async function submit(
  request: ExecuteRequest,
  bundle: Buffer,
  args: string[],
  console: Console,
  client: RestClient,
  /** How to show the job's progress; undefined for a detached run, which does not wait. */
  display: ProgressDisplay | undefined,
  sourcePath: string,
  guard: ClientGuard | undefined,
): Promise<JobExecutionResult> {
  const jobGraph =
    guard === undefined
      ? request.jobGraph
      : {
          ...request.jobGraph,
          // The JobManager cancels the job when this client's heartbeats stop for the timeout.
          config: {
            ...request.jobGraph.config,
            [CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT.key]: 'true',
            [CoreOptions.CLIENT_HEARTBEAT_TIMEOUT.key]: `${guard.timeoutMs}ms`,
          },
        };
  const form = multipart([
    {
      name: 'request',
      contentType: 'application/json',
      content: JSON.stringify({
        jobGraphFileName: 'jobgraph.json',
        jobJarFileNames: ['job.mjs'],
        jobArtifactFileNames: [],
        programArgs: args,
      }),
    },
    { name: 'jobgraph.json', filename: 'jobgraph.json', contentType: 'application/json', content: JSON.stringify(jobGraph) },
    { name: 'job.mjs', filename: 'job.mjs', contentType: 'application/octet-stream', content: bundle },
  ]);
  await client.request('POST', '/jobs', form);
  console.out(`Job has been submitted with JobID ${jobGraph.jobId}`);
  if (display === undefined) return { jobId: jobGraph.jobId, jobName: jobGraph.name, netRuntimeMs: 0, accumulators: {} };
  const unguard = guard === undefined ? () => undefined : guardAttachedJob(client, jobGraph.jobId, guard, console);
  const progress = followJob(restDetailsSource(client, jobGraph.jobId), display, console.err);
  const result = await waitForResult(client, jobGraph.jobId, sourcePath)
    .finally(() => progress.finish())
    .finally(unguard);
  console.out('Program execution finished');
  console.out(`Job with JobID ${jobGraph.jobId} has finished.`);
  console.out(`Job Runtime: ${result['net-runtime']} ms`);
  const accumulators = decodeAccumulators(result['accumulator-results']);
  printAccumulators(accumulators, console);
  return { jobId: jobGraph.jobId, jobName: jobGraph.name, netRuntimeMs: result['net-runtime'], accumulators };
}

/** Accumulator values from their serialized form; one that does not decode is left out. */
function decodeAccumulators(serialized: Record<string, string>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(serialized)) {
    try {
      decoded[name] = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as unknown;
    } catch {
      // Not JSON (a value the JobManager could not serialize): nothing to show.
    }
  }
  return decoded;
}

/** The failure as the JobManager serialized it (base64 of its JSON form). */
function decodeFailure(serialized: string | undefined): SerializedFailure | undefined {
  if (!serialized) return undefined;
  try {
    return JSON.parse(Buffer.from(serialized, 'base64').toString('utf8')) as SerializedFailure;
  } catch {
    return undefined;
  }
}

async function waitForResult(
  client: RestClient,
  jobId: string,
  sourcePath: string,
): Promise<NonNullable<ExecutionResultBody['job-execution-result']>> {
  for (let delay = 50; ; delay = Math.min(1000, delay * 2)) {
    const body = await client.get<ExecutionResultBody>(`/jobs/${jobId}/execution-result`);
    const result = body['job-execution-result'];
    if (body.status.id === 'COMPLETED' && result) {
      if (result['application-status'] === 'SUCCEEDED') return result;
      throw jobFailure(jobId, result['application-status'], decodeFailure(result['failure-cause']?.['serialized-throwable']), sourcePath);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
