import { CheckpointingOptions, type Configuration } from '@spindle/core';
import type { RuntimeMode } from '@spindle/protocol';

/**
 * Whether a FileSink commits its last files itself at the end of input, as Flink's committer
 * does: in BATCH, and without checkpointing (no checkpoint will ever complete). With checkpointing
 * in STREAMING the final checkpoint that the task waits for after it finished commits them
 * (`execution.checkpointing.checkpoints-after-tasks-finish`); when that is switched off, no
 * checkpoint follows the end of input, so the sink commits then rather than never.
 */
export function commitsAtEndOfInput(mode: RuntimeMode, config: Configuration): boolean {
  if (mode === 'BATCH') return true;
  if (!(config.get(CheckpointingOptions.INTERVAL) > 0)) return true;
  return !config.get(CheckpointingOptions.CHECKPOINTS_AFTER_TASKS_FINISH);
}
