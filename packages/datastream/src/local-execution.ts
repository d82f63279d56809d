import { Configuration, MiniClusterOptions, TaskManagerOptions, deserializeError } from '@spindle/core';
import { requiredSlots } from '@spindle/protocol';
import type { ExecuteRequest, JobExecutionResult as ResultSpec } from '@spindle/runtime/task';

/** What `execute()` returns: the job's id, runtime and accumulators. */
export class JobExecutionResult {
  constructor(private readonly spec: ResultSpec) {}

  get jobId(): string {
    return this.spec.jobId;
  }

  get jobName(): string {
    return this.spec.jobName;
  }

  /** Milliseconds from submission to the job's end. */
  get netRuntime(): number {
    return this.spec.netRuntimeMs;
  }

  getAccumulatorResult(name: string): unknown {
    return this.spec.accumulators[name];
  }

  getAllAccumulatorResults(): Record<string, unknown> {
    return { ...this.spec.accumulators };
  }
}

/**
 * Runs a job on a mini cluster whose slots run in this thread: for programs started directly
 * (tests, `node job.js`), whose functions are already loaded here. The cluster gets as many
 * slots as the job needs unless the configuration says otherwise. The MiniCluster is imported
 * here, when a program runs itself, so that job bundles loaded by a task's thread do not load it.
 */
export async function executeLocally(request: ExecuteRequest, config: Configuration): Promise<ResultSpec> {
  const { MiniCluster } = await import('@spindle/runtime/in-process');
  const numTaskManagers = config.get(MiniClusterOptions.NUM_TASK_MANAGERS);
  const slots = config.has(TaskManagerOptions.NUM_TASK_SLOTS)
    ? config.get(TaskManagerOptions.NUM_TASK_SLOTS)
    : Math.ceil(requiredSlots(request.jobGraph) / numTaskManagers);
  const cluster = new MiniCluster({ config, numTaskManagers, slotsPerTaskManager: slots, slotMode: 'inline' });
  await cluster.start();
  try {
    const result = await cluster.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
    if (result.status !== 'FINISHED') {
      throw result.failure ? deserializeError(result.failure) : new Error(`job ${result.jobId} ended ${result.status}`);
    }
    return { jobId: result.jobId, jobName: result.jobName, netRuntimeMs: result.netRuntimeMs, accumulators: result.accumulators };
  } finally {
    await cluster.close();
  }
}
