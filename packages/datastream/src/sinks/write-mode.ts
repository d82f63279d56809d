/**
 * What a file sink does with files an earlier run left at its path, as Flink's
 * `FileSystem.WriteMode`: NO_OVERWRITE (the default) fails, OVERWRITE replaces them.
 */
export type WriteMode = 'NO_OVERWRITE' | 'OVERWRITE';

/** Flink's shape: `writeAsText(path, FileSystem.WriteMode.OVERWRITE)`. */
export const FileSystem = Object.freeze({
  WriteMode: Object.freeze({ NO_OVERWRITE: 'NO_OVERWRITE', OVERWRITE: 'OVERWRITE' } as const),
});

/** Types only, so that `FileSystem.WriteMode` also names the type, as in Flink. */
export declare namespace FileSystem {
  type WriteMode = import('./write-mode.js').WriteMode;
}
