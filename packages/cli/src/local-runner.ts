import { ClusterOptions, Configuration, MiniClusterOptions, TaskManagerOptions, getLogger } from '@spindle/core';
import { requiredSlots } from '@spindle/protocol';
import {
  MiniCluster,
  noExecuteError,
  runProgram,
  type ExecuteRequest,
  type JobExecutionResult,
  type ProgramContext,
} from '@spindle/runtime';
import { ClusterViewFromComponents, jobDetailsBody } from '@spindle/rest';
import type { CompiledJob } from './job-compiler.js';
import { jobFailure } from './job-failure.js';
import { NO_PROGRESS, followJob, type JobDetailsSource, type ProgressDisplay } from './job-progress.js';
import type { JobProgressSnapshot } from './progress-format.js';

/** Where the CLI prints; functions that may be passed on by themselves (`print: console.out`). */
export interface Console {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * Runs the program's main in this process; each `execute()` submits its JobGraph to a new
 * embedded mini cluster whose slots are worker threads that load the same bundle.
 */
export function runOnMiniCluster(
  job: CompiledJob,
  args: string[],
  config: Configuration,
  console: Console,
  display: ProgressDisplay = NO_PROGRESS,
): Promise<void> {
  return runSubmitting(job, args, config, (request) => executeJob(request, job, args, config, console, display));
}

/**
 * Runs the program's main in this process in 'submit' mode: each `execute()` hands its request,
 * numbered in call order, to `submit`. Fails when the program never calls `execute()`.
 */
export async function runSubmitting(
  job: CompiledJob,
  args: string[],
  config: Configuration,
  submit: (request: ExecuteRequest) => Promise<JobExecutionResult>,
): Promise<void> {
  let jobs = 0;
  const context: ProgramContext = {
    mode: 'submit',
    args,
    config: config.toMap(),
    execute: (request) => submit({ ...request, jobGraph: { ...request.jobGraph, programJobIndex: jobs++ } }),
  };
  // The CLI's process runs this one program.
  await runProgram(job.bundlePath, context, () => jobs > 0, { exclusive: true });
  if (jobs === 0) throw noExecuteError();
}

async function executeJob(
  request: ExecuteRequest,
  job: CompiledJob,
  args: string[],
  config: Configuration,
  console: Console,
  display: ProgressDisplay,
): Promise<JobExecutionResult> {
  const numTaskManagers = config.get(MiniClusterOptions.NUM_TASK_MANAGERS);
  const slots = config.has(TaskManagerOptions.NUM_TASK_SLOTS)
    ? config.get(TaskManagerOptions.NUM_TASK_SLOTS)
    : Math.ceil(requiredSlots(request.jobGraph) / numTaskManagers);
  const cluster = new MiniCluster({ config: withLiveMetrics(config), numTaskManagers, slotsPerTaskManager: slots, slotMode: 'worker' });
  const log = getLogger('cli');
  await cluster.start();
  try {
    const { jobId } = request.jobGraph;
    await cluster.submitJob(request.jobGraph, { bundlePath: job.bundlePath, args });
    console.out(`Job has been submitted with JobID ${jobId}`);
    log.info('job running', {
      name: request.jobGraph.name,
      parallelism: Math.max(...request.jobGraph.vertices.map((v) => v.parallelism)),
      slots: requiredSlots(request.jobGraph),
    });
    const progress = followJob(embeddedDetails(cluster, config, jobId), display, console.err);
    const result = await cluster.requestJobResult(jobId).finally(() => progress.finish());
    if (result.status !== 'FINISHED') throw jobFailure(result.jobId, result.status, result.failure, job.sourcePath);
    console.out('Program execution finished');
    console.out(`Job with JobID ${jobId} has finished.`);
    console.out(`Job Runtime: ${result.netRuntimeMs} ms`);
    printAccumulators(result.accumulators, console);
    return { jobId, jobName: result.jobName, netRuntimeMs: result.netRuntimeMs, accumulators: result.accumulators };
  } finally {
    await cluster.close();
  }
}

/** How often the embedded cluster's TaskManagers report their tasks' metrics unless `heartbeat.interval` is set. */
const EMBEDDED_HEARTBEAT_INTERVAL = '1 s';

/**
 * Task metrics reach the JobManager with the TaskManagers' heartbeats; in-process heartbeats are
 * cheap, so the embedded cluster sends them often enough for the progress display to move.
 */
function withLiveMetrics(config: Configuration): Configuration {
  if (config.has(ClusterOptions.HEARTBEAT_INTERVAL)) return config;
  return config.clone().setString(ClusterOptions.HEARTBEAT_INTERVAL.key, EMBEDDED_HEARTBEAT_INTERVAL);
}

/** The job's details from the embedded JobManager, as the REST handler of `GET /jobs/:jobid` renders them. */
function embeddedDetails(cluster: MiniCluster, config: Configuration, jobId: string): JobDetailsSource {
  const view = new ClusterViewFromComponents({
    dispatcher: cluster.dispatcher,
    resourceManager: cluster.resourceManager,
    configuration: config,
  });
  return async () => jobDetailsBody(await view.jobDetails(jobId), Date.now()) as unknown as JobProgressSnapshot;
}

/**
 * Lists the job's numeric accumulators after its runtime, as Flink's client lists accumulator
 * results (e.g. what batch operators spilled); lists of collected records are left out.
 */
export function printAccumulators(accumulators: Record<string, unknown>, console: Console): void {
  const numeric = Object.entries(accumulators).filter(([, v]) => typeof v === 'number');
  if (numeric.length === 0) return;
  console.out('Accumulator Results:');
  for (const [name, value] of numeric.sort(([a], [b]) => (a < b ? -1 : 1))) console.out(`- ${name}: ${String(value)}`);
}
