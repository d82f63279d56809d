import {
  BasePathBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OutputFileConfig,
  SimpleStringEncoder,
  type RollingPolicy,
} from '../src/index.js';
import type { MemoryFileSystem } from './memory-file-system.js';

/** Lines of 8 bytes ("line-01\n"); with a 10-byte part size each part file holds two. */
export const line = (i: number): string => `line-${String(i).padStart(2, '0')}`;
export const lines = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, k) => line(from + k));

export const TWO_LINES_PER_FILE = DefaultRollingPolicy.builder().withMaxPartSize(10).build();

export function rowSink(base: string, policy: RollingPolicy = TWO_LINES_PER_FILE, config?: OutputFileConfig): FileSink<unknown> {
  let builder = FileSink.forRowFormat<unknown>(base, new SimpleStringEncoder())
    .withBucketAssigner(new BasePathBucketAssigner())
    .withRollingPolicy(policy);
  if (config) builder = builder.withOutputFileConfig(config);
  return builder.build();
}

const HIDDEN = /(^|\/)\./;

/** Finished part files (visible names) and their content, in name order. */
export function finishedFiles(fs: MemoryFileSystem, dir = '/out'): Map<string, string> {
  return new Map([...fs.contents(dir)].filter(([name]) => !HIDDEN.test(name)));
}

/** Hidden (in-progress or pending) files. */
export function hiddenFiles(fs: MemoryFileSystem, dir = '/out'): Map<string, string> {
  return new Map([...fs.contents(dir)].filter(([name]) => HIDDEN.test(name)));
}

/** Every line of the finished files, sorted (the test lines are unique: equal lists mean exactly once). */
export function committedLines(fs: MemoryFileSystem, dir = '/out'): string[] {
  return [...finishedFiles(fs, dir).values()].flatMap((content) => content.split('\n').filter((l) => l !== '')).sort();
}
