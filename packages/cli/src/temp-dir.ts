import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export interface TempDir {
  path: string;
  /** Removes the directory; idempotent, and callable on its own (`const { dispose } = dir`). */
  readonly dispose: () => void;
}

/**
 * A fresh directory under the system temp directory that never outlives this process: removed
 * by `dispose()`, or when the process exits first, including on SIGINT and SIGTERM (which then
 * end the process with 130 or 143, as a shell reports them).
 */
export function processTempDir(prefix: string): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: keyof typeof EXIT_CODES) => process.exit(EXIT_CODES[signal]);
  process.on('exit', remove);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    path: dir,
    dispose: () => {
      process.off('exit', remove);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      remove();
    },
  };
}
