import { FileSystemError, childPath, type FileSystem } from '@spindle/core';

/**
 * The names of a text sink's part files. A subtask writes `.part-<i>-0.inprogress`; once its
 * bytes are durable it renames that to `.part-<i>-0.pending`; once every subtask's file is
 * pending, they all become `part-<i>-0`. Only a job whose every sink subtask finished has
 * finished-looking part files; the hidden names are skipped by readers (`readTextFile`).
 */
export function partFileNames(subtask: number): { inProgress: string; pending: string; finished: string } {
  return { inProgress: `.part-${subtask}-0.inprogress`, pending: `.part-${subtask}-0.pending`, finished: `part-${subtask}-0` };
}

export const FINISHED_PART = /^part-\d+-\d+$/;
export const UNFINISHED_PART = /^\.part-\d+-\d+\.(inprogress|pending)$/;

/**
 * Called by subtask `subtask` of `parallelism` at the end of its input, with its in-progress
 * file complete and durable: makes it pending, and when every subtask's file is pending (this
 * subtask is the last, or one of the last, to get there), renames them all to their finished
 * names. Two subtasks that both see every file pending both commit; each rename happens once.
 */
export async function commitPart(fs: FileSystem, directory: string, subtask: number, parallelism: number): Promise<void> {
  const mine = partFileNames(subtask);
  // A pending file of an earlier, failed attempt of this subtask is replaced.
  await fs.delete(childPath(directory, mine.pending));
  await fs.rename(childPath(directory, mine.inProgress), childPath(directory, mine.pending));
  const present = new Set((await fs.list(directory)).map((s) => s.name));
  const all = Array.from({ length: parallelism }, (_, j) => partFileNames(j));
  if (!all.every((n) => present.has(n.pending) || present.has(n.finished))) return;
  for (const n of all) {
    if (!present.has(n.pending)) continue;
    try {
      await fs.rename(childPath(directory, n.pending), childPath(directory, n.finished));
    } catch (e) {
      // Another subtask committed this one first (the rename found no source, or found its result).
      const committedByOther =
        e instanceof FileSystemError &&
        (await fs.status(childPath(directory, n.pending))) === undefined &&
        (await fs.status(childPath(directory, n.finished))) !== undefined;
      if (!committedByOther) throw e;
    }
  }
}
