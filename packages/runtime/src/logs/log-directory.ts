import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SpindleError } from '@spindle/core';

/** A file of a process's log directory, as Flink's log list shows it. */
export interface LogFileInfo {
  name: string;
  size: number;
  /** Last modification, ms since the epoch. */
  mtime: number;
}

/** A log file name that does not name a readable regular file of the log directory. */
export class LogFileNotFoundError extends SpindleError {
  constructor(readonly fileName: string) {
    super(`Log file '${fileName}' does not exist.`, { code: 'LOG_FILE_NOT_FOUND', recoverability: 'non-recoverable', userFacing: true });
    this.name = 'LogFileNotFoundError';
  }
}

/** A name of a file directly inside a directory: no separator, no NUL, not '.' or '..'. */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/**
 * The log directory of a JobManager or TaskManager process (`env.log.dir`) and the process's
 * own log file in it. It serves regular files directly inside the directory and nothing else:
 * a name with a separator or '..', a symbolic link (opened with O_NOFOLLOW, so one swapped in
 * meanwhile is refused too), a directory or a missing file is `LogFileNotFoundError`. pid files
 * are not logs and are not listed. Without a directory (an embedded cluster) there are no logs.
 */
export class LogDirectory {
  constructor(
    readonly directory: string | undefined,
    /** Base name of this process's own log file, when the launcher told it. */
    readonly mainFile?: string,
  ) {}

  async list(): Promise<LogFileInfo[]> {
    if (this.directory === undefined) return [];
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(this.directory, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const files = entries.filter((e) => e.isFile() && !e.name.endsWith('.pid')).map((e) => e.name);
    const infos = await Promise.all(
      files.map(async (name) => {
        const stat = await fs.lstat(path.join(this.directory!, name)).catch(() => undefined);
        return stat?.isFile() ? { name, size: stat.size, mtime: Math.round(stat.mtimeMs) } : undefined;
      }),
    );
    return infos.filter((i): i is LogFileInfo => i !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Opens a log file for reading; the caller closes the handle. */
  async open(name: string): Promise<{ handle: fs.FileHandle; size: number }> {
    if (this.directory === undefined || !isPlainFileName(name) || name.endsWith('.pid')) throw new LogFileNotFoundError(name);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path.join(this.directory, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      throw new LogFileNotFoundError(name);
    }
    const stat = await handle.stat().catch(() => undefined);
    if (!stat?.isFile()) {
      await handle.close();
      throw new LogFileNotFoundError(name);
    }
    return { handle, size: stat.size };
  }

  /** Up to `length` bytes of a log file from `offset`, and the file's size. */
  async read(name: string, offset: number, length: number): Promise<{ data: Uint8Array; size: number }> {
    const { handle, size } = await this.open(name);
    try {
      const n = Math.max(0, Math.min(length, size - offset));
      const data = new Uint8Array(n);
      let read = 0;
      while (read < n) {
        const r = await handle.read(data, read, n - read, offset + read);
        if (r.bytesRead === 0) break;
        read += r.bytesRead;
      }
      return { data: data.subarray(0, read), size };
    } finally {
      await handle.close();
    }
  }
}
