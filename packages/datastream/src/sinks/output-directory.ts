import fs from 'node:fs';
import path from 'node:path';
import { SpindleError, errorMessage } from '@spindle/core';
import type { WriteMode } from './write-mode.js';

const FINISHED_PART = /^part-\d+-\d+$/;
const IN_PROGRESS_PART = /^\.part-\d+-\d+\.inprogress$/;

/**
 * Readies the output directory of a text file sink, once per job and before any subtask writes
 * (Flink's `initializeGlobal`), so that the directory never mixes parts of two runs and no subtask
 * removes another's fresh part. NO_OVERWRITE fails when the directory holds finished part files
 * (or the path is a file); OVERWRITE removes the old part files, finished or in progress, and the
 * file at the path if there is one. Other files in the directory are left alone.
 */
export function prepareOutputDirectory(directory: string, mode: WriteMode): void {
  try {
    const stat = fs.statSync(directory, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (!stat.isDirectory()) return replaceFile(directory, mode);
    const names = fs.readdirSync(directory);
    const finished = names.filter((n) => FINISHED_PART.test(n)).sort();
    if (mode === 'NO_OVERWRITE') {
      if (finished.length > 0) throw outputExists(directory, `already holds part files from an earlier run (${finished.join(', ')})`);
      return;
    }
    for (const name of names) {
      if (FINISHED_PART.test(name) || IN_PROGRESS_PART.test(name)) fs.rmSync(path.join(directory, name), { force: true });
    }
  } catch (e) {
    if (e instanceof SpindleError) throw e;
    throw new SpindleError(`cannot prepare output directory ${directory}: ${errorMessage(e)}`, {
      code: 'SINK_IO',
      userFacing: true,
      recoverability: 'environment',
      cause: e,
    });
  }
}

function replaceFile(file: string, mode: WriteMode): void {
  if (mode === 'NO_OVERWRITE') throw outputExists(file, 'is a file, not a directory');
  fs.rmSync(file);
}

function outputExists(directory: string, what: string): SpindleError {
  return new SpindleError(
    `Output directory ${directory} ${what}. Existing files are not overwritten in NO_OVERWRITE mode: ` +
      'use writeAsText(path, FileSystem.WriteMode.OVERWRITE) to replace them, or write to another directory.',
    { code: 'OUTPUT_EXISTS', userFacing: true, recoverability: 'non-recoverable' },
  );
}
