import fs from 'node:fs';
import path from 'node:path';
import { SpindleError, randomHexId } from '@spindle/core';

/**
 * Writes one spill file. `write` is synchronous: a run is written on the task's thread, between
 * records, or on the sorter's spill thread while the task fills its other buffer. Errors are thrown as
 * Node's are (with `code`, e.g. ENOSPC).
 */
export interface SpillFileHandle {
  write(bytes: Uint8Array): void;
  close(): void;
}

/**
 * Opens spill files for writing (a port so that tests can simulate a full disk). The sorter
 * creates every file through it, and removes them itself.
 */
export interface SpillFileWriter {
  open(file: string): SpillFileHandle;
}

export { localSpillFileWriter } from './sort-runs.js';

/** Names the spill files of one sorter, round-robin over `io.tmp.dirs`, and removes them. */
export class SpillFiles {
  private readonly prefix = `spindle-spill-${process.pid}-${randomHexId().slice(0, 8)}`;
  private readonly live = new Set<string>();
  private next = 0;

  constructor(
    private readonly dirs: readonly string[],
    private readonly operatorName: string,
  ) {}

  create(): string {
    const dir = this.dirs[this.next % this.dirs.length]!;
    const file = path.join(dir, `${this.prefix}-${this.next++}.run`);
    this.live.add(file);
    return file;
  }

  remove(file: string): void {
    this.live.delete(file);
    fs.rmSync(file, { force: true });
  }

  /** Removes every file this sorter created and still holds; idempotent. */
  removeAll(): void {
    for (const file of [...this.live]) this.remove(file);
  }

  get count(): number {
    return this.live.size;
  }

  /** The error a failed spill write becomes: a full disk names the directory and what to do. */
  writeFailure(file: string, e: unknown): SpindleError {
    const dir = path.dirname(file);
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new SpindleError(
        `${this.operatorName}: no space left on device in the spill directory ${dir} (io.tmp.dirs); free space there or point io.tmp.dirs at directories on a larger disk, or give the operator more managed memory (taskmanager.memory.managed.size)`,
        { code: 'SPILL_DISK_FULL', recoverability: 'environment', userFacing: true, cause: e },
      );
    }
    const reason = e instanceof Error ? e.message : String(e);
    return new SpindleError(`${this.operatorName}: cannot write the spill file ${file} (io.tmp.dirs): ${reason}`, {
      code: 'SPILL_WRITE',
      recoverability: 'environment',
      cause: e,
    });
  }
}
