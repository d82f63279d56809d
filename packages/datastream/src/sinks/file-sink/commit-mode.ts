import { parseDuration, type Configuration } from '@spindle/core';
import type { RuntimeMode } from '@spindle/protocol';

/** Flink's keys; read raw here so that the sink needs nothing of the checkpoint coordinator's options. */
const CHECKPOINTING_INTERVAL = 'execution.checkpointing.interval';
const CHECKPOINTS_AFTER_TASKS_FINISH = [
  'execution.checkpointing.checkpoints-after-tasks-finish',
  'execution.checkpointing.checkpoints-after-tasks-finish.enabled',
];

/**
 * Whether a FileSink commits its last files itself at the end of input, as Flink's committer
 * does: in BATCH, and without checkpointing (no checkpoint will ever complete). With checkpointing
 * in STREAMING it leaves them to the final checkpoint taken after the tasks finish, unless that
 * is switched off (then it commits at the end of input too, rather than never).
 */
export function commitsAtEndOfInput(mode: RuntimeMode, config: Configuration): boolean {
  if (mode === 'BATCH') return true;
  if (!checkpointingEnabled(config)) return true;
  return CHECKPOINTS_AFTER_TASKS_FINISH.some((key) => config.getString(key)?.trim().toLowerCase() === 'false');
}

/** Checkpointing is on when `execution.checkpointing.interval` is set to a positive duration. */
export function checkpointingEnabled(config: Configuration): boolean {
  const raw = config.getString(CHECKPOINTING_INTERVAL);
  if (raw === undefined) return false;
  try {
    return parseDuration(raw) > 0;
  } catch {
    // The coordinator rejects an invalid interval; the sink waits for checkpoints meanwhile.
    return true;
  }
}
