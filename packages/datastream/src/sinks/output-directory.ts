import { FileSystemError, SpindleError, childPath, errorMessage, fileSystemFor, type Configuration } from '@spindle/core';
import { FINISHED_PART, UNFINISHED_PART } from './part-files.js';
import type { WriteMode } from './write-mode.js';

/**
 * Readies the output directory of a text file sink, once per job and before any subtask writes
 * (Flink's `initializeGlobal`), so that the directory never mixes parts of two runs and no subtask
 * removes another's fresh part. NO_OVERWRITE fails when the directory holds finished part files
 * (or the path is a file); OVERWRITE removes the old part files, finished, pending or in progress, and the
 * file at the path if there is one. Other files in the directory are left alone. Works on any
 * scheme of the FileSystem port.
 */
export async function prepareOutputDirectory(directory: string, mode: WriteMode, config?: Configuration): Promise<void> {
  try {
    const { fs } = await fileSystemFor(directory, config);
    const stat = await fs.status(directory);
    if (stat === undefined) return;
    if (!stat.isDirectory) {
      if (mode === 'NO_OVERWRITE') throw outputExists(directory, 'is a file, not a directory');
      await fs.delete(directory);
      return;
    }
    const names = (await fs.list(directory)).map((s) => s.name);
    const finished = names.filter((n) => FINISHED_PART.test(n)).sort();
    if (mode === 'NO_OVERWRITE') {
      if (finished.length > 0) throw outputExists(directory, `already holds part files from an earlier run (${finished.join(', ')})`);
      return;
    }
    for (const name of names) {
      if (FINISHED_PART.test(name) || UNFINISHED_PART.test(name)) await fs.delete(childPath(directory, name), { recursive: true });
    }
  } catch (e) {
    // The port's errors name the path and what to do (permissions, an unreachable NameNode).
    if (e instanceof SpindleError) throw e;
    throw new SpindleError(`cannot prepare output directory ${directory}: ${errorMessage(e)}`, {
      code: 'SINK_IO',
      userFacing: true,
      recoverability: 'environment',
      cause: e,
    });
  }
}

function outputExists(directory: string, what: string): SpindleError {
  return new SpindleError(
    `Output directory ${directory} ${what}. Existing files are not overwritten in NO_OVERWRITE mode: ` +
      'use writeAsText(path, FileSystem.WriteMode.OVERWRITE) to replace them, or write to another directory.',
    { code: 'OUTPUT_EXISTS', userFacing: true, recoverability: 'non-recoverable' },
  );
}

/** A sink's error of the file system, naming the directory; the port's errors keep their recoverability. */
export function sinkError(directory: string, e: unknown): SpindleError {
  return new SpindleError(`cannot write to output directory ${directory}: ${errorMessage(e)}`, {
    code: e instanceof FileSystemError ? e.code : 'SINK_IO',
    userFacing: true,
    recoverability: e instanceof FileSystemError ? e.recoverability : 'environment',
    cause: e,
  });
}
