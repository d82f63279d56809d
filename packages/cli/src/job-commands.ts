import { ClusterOptions, JobId, type Configuration } from '@spindle/core';
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
