import { ClusterOptions, JobId, SpindleError, type Configuration } from '@spindle/core';
import type { Console } from './local-runner.js';
import { RestClient } from './rest-client.js';

interface JobOverview {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
}

/** The REST address to talk to: -m host:port, else rest.address:rest.port. */
export function restClientFor(config: Configuration, jobmanager: string | undefined): RestClient {
  return new RestClient(jobmanager ?? `${config.get(ClusterOptions.REST_ADDRESS)}:${config.get(ClusterOptions.REST_PORT)}`);
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const RUNNING = new Set(['RUNNING', 'RESTARTING', 'FAILING', 'CANCELLING', 'RECONCILING']);
const SCHEDULED = new Set(['CREATED', 'INITIALIZING']);
const TERMINATED = new Set(['FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED']);

function section(console: Console, title: string, jobs: JobOverview[], none: string): void {
  if (jobs.length === 0) {
    console.out(none);
    return;
  }
  console.out(`------------------ ${title} -------------------`);
  for (const j of jobs.sort((a, b) => a['start-time'] - b['start-time']))
    console.out(`${formatTime(j['start-time'])} : ${j.jid} : ${j.name} (${j.state})`);
  console.out('--------------------------------------------------------------');
}

/** `spindle list [-r|-s|-a]`, printed as Flink's CLI prints it. */
export async function listJobs(
  client: RestClient,
  flags: { running?: boolean; scheduled?: boolean; all?: boolean },
  console: Console,
): Promise<void> {
  console.out('Waiting for response...');
  const { jobs } = await client.get<{ jobs: JobOverview[] }>('/jobs/overview');
  const showRunning = flags.all || flags.running || !flags.scheduled;
  const showScheduled = flags.all || flags.scheduled || !flags.running;
  if (showRunning)
    section(
      console,
      'Running/Restarting Jobs',
      jobs.filter((j) => RUNNING.has(j.state)),
      'No running jobs.',
    );
  if (showScheduled)
    section(
      console,
      'Scheduled Jobs',
      jobs.filter((j) => SCHEDULED.has(j.state)),
      'No scheduled jobs.',
    );
  if (flags.all)
    section(
      console,
      'Terminated Jobs',
      jobs.filter((j) => TERMINATED.has(j.state)),
      'No terminated jobs.',
    );
}

/** `spindle cancel <jobId>`. */
export async function cancelJob(client: RestClient, jobId: string, console: Console): Promise<void> {
  const id = JobId.parse(jobId);
  console.out(`Cancelling job ${id}.`);
  await client.request('PATCH', `/jobs/${id}?mode=cancel`);
  console.out(`Cancelled job ${id}.`);
}

/** How long the CLI waits for a savepoint before it gives up (the savepoint itself goes on). */
const SAVEPOINT_WAIT_MS = 10 * 60_000;
const SAVEPOINT_POLL_MS = 250;

interface SavepointStatus {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: { location?: string; 'failure-cause'?: { class?: string; 'stack-trace'?: string } };
}

/** Polls a savepoint operation until it completed; resolves with the savepoint's path. */
async function awaitSavepoint(client: RestClient, jobId: string, requestId: string): Promise<string> {
  const deadline = Date.now() + SAVEPOINT_WAIT_MS;
  while (Date.now() < deadline) {
    const r = await client.get<SavepointStatus>(`/jobs/${jobId}/savepoints/${requestId}`);
    if (r.status.id === 'COMPLETED') {
      if (r.operation?.location !== undefined) return r.operation.location;
      const cause = r.operation?.['failure-cause'];
      const first = (cause?.['stack-trace'] ?? cause?.class ?? 'unknown failure').split('\n')[0];
      throw new SpindleError(`Triggering a savepoint for the job ${jobId} failed.\n\n${first}`, {
        code: 'SAVEPOINT_FAILED',
        userFacing: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, SAVEPOINT_POLL_MS));
  }
  throw new SpindleError(`The savepoint of job ${jobId} did not complete within ${SAVEPOINT_WAIT_MS / 1000} s (trigger ${requestId}).`, {
    code: 'SAVEPOINT_TIMEOUT',
    userFacing: true,
  });
}

function jsonBody(body: Record<string, unknown>): { body: string; contentType: string } {
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/** `spindle savepoint <jobId> [targetDirectory]`, with Flink's lines. */
export async function triggerSavepoint(
  client: RestClient,
  jobId: string,
  targetDirectory: string | undefined,
  console: Console,
): Promise<void> {
  const id = JobId.parse(jobId);
  console.out(`Triggering savepoint for job ${id}.`);
  console.out('Waiting for response...');
  const body = jsonBody({ 'cancel-job': false, ...(targetDirectory ? { 'target-directory': targetDirectory } : {}) });
  const { json } = await client.request<{ 'request-id': string }>('POST', `/jobs/${id}/savepoints`, body);
  const path = await awaitSavepoint(client, id, json['request-id']);
  console.out(`Savepoint completed. Path: ${path}`);
  console.out('You can resume your program from this savepoint with the run command.');
}

/** `spindle stop [-p dir] [--drain] <jobId>`: stop with a savepoint, with Flink's lines. */
export async function stopJob(
  client: RestClient,
  jobId: string,
  options: { savepointPath?: string; drain?: boolean },
  console: Console,
): Promise<void> {
  const id = JobId.parse(jobId);
  console.out(`Suspending job "${id}" with a savepoint.`);
  const body = jsonBody({ drain: options.drain === true, ...(options.savepointPath ? { targetDirectory: options.savepointPath } : {}) });
  const { json } = await client.request<{ 'request-id': string }>('POST', `/jobs/${id}/stop`, body);
  const path = await awaitSavepoint(client, id, json['request-id']);
  console.out(`Savepoint completed. Path: ${path}`);
}
