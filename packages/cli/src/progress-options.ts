import { durationOption, enumOption } from '@spindle/core';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'off'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/**
 * How an attached `spindle run` shows its job's progress. Read only by the client; Flink's
 * nearest are the removed `-q,--sysoutLogging` flag (status changes on stdout, on by default)
 * and the web UI's refresh (`web.refresh-interval`).
 */
export const ProgressOptions = {
  MODE: enumOption({
    key: 'client.progress.mode',
    values: PROGRESS_MODES,
    default: 'auto',
    description:
      'Progress of an attached run: auto (a table redrawn in place when stdout is a terminal, plain lines otherwise), tty (always the redrawn table), plain (a line per stage status change and a summary) or off.',
  }),
  INTERVAL: durationOption({
    key: 'client.progress.interval',
    default: 0,
    min: 0,
    description:
      'With plain progress lines: also a line for each running stage at most this often; 0 prints stage status changes and the summary only.',
  }),
} as const;
