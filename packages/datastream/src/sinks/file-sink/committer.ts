import { FileAlreadyExistsError, type FileSystem } from '@spindle/core';
import { restoreError, sinkIoError, type FileSinkError } from './file-sink-errors.js';
import type { InProgressFileState, PendingFile } from './part-file.js';

/**
 * Commits a pending file: renames it to its final name, after cutting bytes written beyond its
 * valid length. Idempotent, since a restored job commits again what its checkpoint recorded: when
 * the temporary file is gone and the final file is there with the valid length, an earlier
 * attempt committed it. Anything else (neither file, a final file of another length) is an error:
 * committed data is never overwritten.
 */
export async function commitPendingFile(fs: FileSystem, file: PendingFile, sink: string): Promise<void> {
  try {
    const temp = await fs.status(file.tempPath);
    if (temp !== undefined) {
      if (temp.length < file.length) throw shorterThanCheckpointed(sink, file.tempPath, temp.length, file.length);
      if (temp.length > file.length) await fs.truncate(file.tempPath, file.length);
      try {
        await fs.rename(file.tempPath, file.targetPath);
        return;
      } catch (e) {
        if (!(e instanceof FileAlreadyExistsError)) throw e;
      }
    }
    const target = await fs.status(file.targetPath);
    if (target?.length === file.length) {
      if (temp !== undefined) await fs.delete(file.tempPath);
      return;
    }
    if (target !== undefined) {
      throw restoreError(
        sink,
        `cannot commit ${file.tempPath}: ${file.targetPath} already exists with ${target.length} bytes, not ${file.length}; committed files are never overwritten`,
      );
    }
    throw restoreError(
      sink,
      `cannot commit ${file.targetPath}: neither it nor its in-progress file ${file.tempPath} exists (removed since the checkpoint?)`,
    );
  } catch (e) {
    throw sinkIoError(sink, `cannot commit part file ${file.targetPath}`, e);
  }
}

/**
 * Readies an in-progress file recorded by a checkpoint to be written again: bytes written after
 * the checkpoint are cut off. A missing file, or one shorter than recorded, cannot be resumed
 * (Flink refuses the same way): it was committed or removed since.
 */
export async function recoverInProgressFile(fs: FileSystem, file: InProgressFileState, sink: string): Promise<void> {
  try {
    const status = await fs.status(file.tempPath);
    if (status === undefined) {
      throw restoreError(
        sink,
        `cannot resume the in-progress file ${file.tempPath}: it does not exist (was it removed, or committed by a later checkpoint than the one restored?)`,
      );
    }
    if (status.length < file.length) throw shorterThanCheckpointed(sink, file.tempPath, status.length, file.length);
    if (status.length > file.length) await fs.truncate(file.tempPath, file.length);
  } catch (e) {
    throw sinkIoError(sink, `cannot resume part file ${file.tempPath}`, e);
  }
}

function shorterThanCheckpointed(sink: string, path: string, actual: number, expected: number): FileSinkError {
  return restoreError(sink, `${path} has ${actual} bytes, fewer than the ${expected} its checkpoint recorded: written data was lost`);
}
