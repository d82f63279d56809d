/**
 * Flink's `FileSystem` as far as jobs use it. The package exports this module as `FileSystem`
 * (`export * as FileSystem`), so that, as in Flink, `FileSystem.WriteMode.OVERWRITE` is a value
 * and `FileSystem.WriteMode` a type.
 */

/**
 * What a file sink does with files an earlier run left at its path, as Flink's
 * `FileSystem.WriteMode`: NO_OVERWRITE (the default) fails, OVERWRITE replaces them.
 */
export type WriteMode = 'NO_OVERWRITE' | 'OVERWRITE';
export const WriteMode = Object.freeze({ NO_OVERWRITE: 'NO_OVERWRITE', OVERWRITE: 'OVERWRITE' } as const);
