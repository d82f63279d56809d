import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitOnSignals } from './termination.js';

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
  process.on('exit', remove);
  const undoSignals = exitOnSignals();
  return {
    path: dir,
    dispose: () => {
      process.off('exit', remove);
      undoSignals();
      remove();
    },
  };
}
