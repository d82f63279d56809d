import { ResourceManagerOptions, TaskManagerMemoryOptions, TaskManagerOptions, type Configuration } from '@spindle/core';

/** What one worker (a TaskManager process, a YARN container) is asked for. */
export interface WorkerResourceSpec {
  /** Total memory of the process, in MiB (`taskmanager.memory.process.size`). */
  memoryMb: number;
  vcores: number;
}

/** The spec of the workers a ResourceManager asks for, from the TaskManager configuration. */
export function workerResourceSpec(config: Configuration): WorkerResourceSpec {
  const cores = config.get(ResourceManagerOptions.CPU_CORES);
  return {
    memoryMb: Math.floor(config.get(TaskManagerMemoryOptions.PROCESS_SIZE) / (1024 * 1024)),
    vcores: Math.ceil(cores > 0 ? cores : config.get(TaskManagerOptions.NUM_TASK_SLOTS)),
  };
}

/** How a worker ended: its exit status (null when killed by a signal) and what the driver knows. */
export interface WorkerTermination {
  exitCode: number | null;
  diagnostics: string;
}

/** Final status of the application, reported to the resource provider when the cluster ends. */
export type ApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'KILLED';

/** A worker of an earlier attempt of this cluster (YARN: containers kept across attempts). */
export interface RecoveredWorker {
  resourceId: string;
  spec?: WorkerResourceSpec;
}

/** What a driver tells the ResourceManager, called on the ResourceManager's thread (the event loop). */
export interface ResourceEventHandler {
  /**
   * A worker ended, whether released, lost or failed to start; once per worker. The
   * ResourceManager tells a release it asked for from a loss by the id.
   */
  onWorkerTerminated(resourceId: string, termination: WorkerTermination): void;
}

/**
 * How a ResourceManager obtains and gives back TaskManagers (local processes, YARN containers).
 *
 * Calls come from the ResourceManager's thread, in this order: `start` once and before anything
 * else; then `requestWorker` (when slot requests cannot be served) and `releaseWorker` (for a
 * TaskManager idle longer than `resourcemanager.taskmanager-timeout`, or one that did not
 * register in time), without waiting for a previous call; `deregisterApplication` at most once,
 * when the cluster ends for good (not when a JobManager attempt merely stops); `close` last.
 * Not in the contract: placement, priorities, or which worker of several is released.
 */
export interface ResourceDriver {
  /**
   * Connects to the resource provider. Resolves with the workers still running from an earlier
   * attempt of this cluster, which the ResourceManager adopts: it expects them to register and
   * does not ask for workers in their place. Rejects when the provider cannot be reached.
   */
  start(handler: ResourceEventHandler): Promise<readonly RecoveredWorker[]>;
  /**
   * Starts a worker of that size; resolves with the resource id it will register under once
   * the start was requested (not once it registered), rejects when it cannot be started.
   */
  requestWorker(spec: WorkerResourceSpec): Promise<string>;
  /** Stops a worker; its end is still reported through `onWorkerTerminated`. */
  releaseWorker(resourceId: string): Promise<void>;
  /**
   * Tells the resource provider that the application ended with this status (YARN: unregisters
   * the AppMaster, so no further attempt starts). Workers are stopped by `close`.
   */
  deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void>;
  /** Stops every worker it started and disconnects. Idempotent. */
  close(): Promise<void>;
}
