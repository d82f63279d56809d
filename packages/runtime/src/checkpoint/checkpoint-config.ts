import os from 'node:os';
import path from 'node:path';
import { CheckpointingOptions, type CheckpointingMode, type Configuration, type ExternalizedCheckpointRetention } from '@spindle/core';
import type { RuntimeMode } from '@spindle/protocol';

/** The checkpoint settings of one job, compiled from its configuration. */
export interface CheckpointCoordinatorConfig {
  intervalMs: number;
  mode: CheckpointingMode;
  timeoutMs: number;
  minPauseMs: number;
  maxConcurrent: number;
  tolerableFailures: number;
  numRetained: number;
  retention: ExternalizedCheckpointRetention;
  /** `execution.checkpointing.dir`: checkpoints go to `<baseDir>/<jobId>/chk-<id>/`. */
  baseDir: string;
  /** Whether `baseDir` was chosen because none was configured. */
  defaultDir: boolean;
  afterTasksFinish: boolean;
}

/**
 * The job's checkpoint settings, or undefined when checkpointing is off: no interval, or a BATCH
 * job (which, as in Flink, recovers by re-running from its sources instead). Invalid values throw
 * a ConfigurationError naming the key.
 */
export function checkpointConfigFrom(config: Configuration, runtimeMode: RuntimeMode): CheckpointCoordinatorConfig | undefined {
  const intervalMs = config.get(CheckpointingOptions.INTERVAL);
  if (intervalMs <= 0 || runtimeMode === 'BATCH') return undefined;
  return compile(config, intervalMs);
}

/**
 * The settings of a STREAMING job's coordinator when it takes savepoints only (checkpointing off,
 * as Flink allows): no periodic trigger. Undefined for BATCH jobs.
 */
export function savepointOnlyConfigFrom(config: Configuration, runtimeMode: RuntimeMode): CheckpointCoordinatorConfig | undefined {
  return runtimeMode === 'BATCH' ? undefined : compile(config, 0);
}

function compile(config: Configuration, intervalMs: number): CheckpointCoordinatorConfig {
  const dir = config.get(CheckpointingOptions.DIR);
  return {
    intervalMs,
    mode: config.get(CheckpointingOptions.MODE),
    timeoutMs: config.get(CheckpointingOptions.TIMEOUT),
    minPauseMs: config.get(CheckpointingOptions.MIN_PAUSE),
    maxConcurrent: config.get(CheckpointingOptions.MAX_CONCURRENT),
    tolerableFailures: config.get(CheckpointingOptions.TOLERABLE_FAILED),
    numRetained: config.get(CheckpointingOptions.NUM_RETAINED),
    retention: config.get(CheckpointingOptions.EXTERNALIZED_RETENTION),
    // Without a directory, checkpoints stay on this machine (Flink keeps them in the JobManager's memory).
    baseDir: dir ?? path.join(os.tmpdir(), 'spindle-checkpoints'),
    defaultDir: dir === undefined,
    afterTasksFinish: config.get(CheckpointingOptions.CHECKPOINTS_AFTER_TASKS_FINISH),
  };
}

/** Whether the retained checkpoints are deleted when the job ends with `status` (Flink's CheckpointProperties). */
export function discardOnJobEnd(retention: ExternalizedCheckpointRetention, status: string): boolean {
  if (retention === 'NO_EXTERNALIZED_CHECKPOINTS') return true;
  if (status === 'FINISHED') return true;
  if (status === 'CANCELED') return retention === 'DELETE_ON_CANCELLATION';
  return false;
}
