import type { Readable, Writable } from 'node:stream';
import { SpindleError, type Recoverability } from '../errors.js';

/**
 * The FileSystem port: every read or write of user data, job artifacts and checkpoints goes
 * through it, so that `file://` and `hdfs://` (and any later scheme) behave the same to callers.
 * Paths are URIs as users write them (`/data/in`, `file:///data/in`, `hdfs:///data/in`,
 * `hdfs://namenode:8020/data/in`); each implementation accepts the URIs of its own scheme.
 *
 * Durability: bytes written to a stream from `create` or `append` are durable once the stream has
 * finished (`await finished(stream)` or the `'finish'` event), not before. Writers that must persist
 * part of a file and go on close the stream and continue with `append`.
 *
 * Errors are {@link FileSystemError}s. Those of `create` and `append` may come from the returned
 * promise or, once the upload began, from the stream (its `'error'` event): WebHDFS learns that a
 * file exists or may not be written only when the data reaches a DataNode, as Hadoop's own
 * client does.
 */
export interface FileSystem {
  /** The URI scheme this file system serves, e.g. `file` or `hdfs`. */
  readonly scheme: string;

  /** Streams the bytes of a file, from `offset` (default 0), at most `length` bytes (default: to the end). */
  open(path: string, options?: OpenOptions): Promise<Readable>;

  /**
   * Creates a file and returns the stream that writes it; missing parent directories are created.
   * Without `overwrite`, an existing file is a {@link FileAlreadyExistsError}.
   */
  create(path: string, options?: CreateOptions): Promise<Writable>;

  /** Appends to an existing file. */
  append(path: string): Promise<Writable>;

  /** Cuts a file to `length` bytes (sinks resume in-progress files with it). */
  truncate(path: string, length: number): Promise<void>;

  /**
   * Renames a file or directory. Throws when the rename did not happen: a missing source is a
   * {@link FileNotFoundError}, an existing destination a {@link FileAlreadyExistsError}.
   */
  rename(from: string, to: string): Promise<void>;

  /** Deletes a file, or a directory with `recursive`; false when there was nothing to delete. */
  delete(path: string, options?: { recursive?: boolean }): Promise<boolean>;

  /** The entries of a directory (a file lists as itself), in name order. */
  list(path: string): Promise<FileStatus[]>;

  /**
   * The entries of a directory as {@link list} gives them, fetched a batch at a time, so that a
   * directory of a million files is never held whole (Hadoop's `listStatusIterator`). Errors of
   * the first batch (a missing path) come from the first `next()`.
   */
  listIterator(path: string): AsyncIterable<FileStatus>;

  /** A path's status, or undefined when nothing is there. */
  status(path: string): Promise<FileStatus | undefined>;

  /** Creates a directory and its missing parents; succeeds when it already exists. */
  mkdirs(path: string): Promise<void>;
}

export interface OpenOptions {
  offset?: number;
  length?: number;
}

export interface CreateOptions {
  /** Replace an existing file (Flink's `WriteMode.OVERWRITE`); default false. */
  overwrite?: boolean;
}

export interface FileStatus {
  /** The entry's full URI in the file system's own form (a plain absolute path for `file://`). */
  readonly path: string;
  /** The last path component. */
  readonly name: string;
  readonly isDirectory: boolean;
  /** Bytes; 0 for directories. */
  readonly length: number;
  /** Milliseconds since the epoch. */
  readonly modificationTime: number;
  readonly owner?: string;
  readonly group?: string;
  /** Octal permission string, e.g. `755`. */
  readonly permission?: string;
}

/** What went wrong, independent of the file system: callers branch on this, never on messages. */
export type FileSystemErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'access-denied'
  | 'parent-not-directory'
  | 'is-a-directory'
  | 'directory-not-empty'
  | 'safe-mode'
  | 'standby'
  | 'unreachable'
  | 'unknown-scheme'
  | 'io';

const CODES: Record<FileSystemErrorKind, string> = {
  'not-found': 'FS_NOT_FOUND',
  'already-exists': 'FS_ALREADY_EXISTS',
  'access-denied': 'FS_ACCESS_DENIED',
  'parent-not-directory': 'FS_PARENT_NOT_DIRECTORY',
  'is-a-directory': 'FS_IS_A_DIRECTORY',
  'directory-not-empty': 'FS_DIRECTORY_NOT_EMPTY',
  'safe-mode': 'FS_SAFE_MODE',
  standby: 'FS_STANDBY',
  unreachable: 'FS_UNREACHABLE',
  'unknown-scheme': 'FS_UNKNOWN_SCHEME',
  io: 'FS_IO',
};

/** Kinds caused by what the user asked for (a path), as opposed to the cluster being unwell. */
const USER_FACING = new Set<FileSystemErrorKind>([
  'not-found',
  'already-exists',
  'access-denied',
  'parent-not-directory',
  'is-a-directory',
  'directory-not-empty',
  'unknown-scheme',
  'unreachable',
]);

const RECOVERABILITY: Partial<Record<FileSystemErrorKind, Recoverability>> = {
  'safe-mode': 'environment',
  standby: 'environment',
  unreachable: 'environment',
  io: 'environment',
  'unknown-scheme': 'non-recoverable',
};

/** An error of a file system operation; names the path and what to do in its message. */
export class FileSystemError extends SpindleError {
  readonly kind: FileSystemErrorKind;
  readonly path: string;

  constructor(kind: FileSystemErrorKind, path: string, message: string, cause?: unknown) {
    super(message, {
      code: CODES[kind],
      recoverability: RECOVERABILITY[kind] ?? 'recoverable',
      userFacing: USER_FACING.has(kind),
      cause,
    });
    this.name = 'FileSystemError';
    this.kind = kind;
    this.path = path;
  }
}

export class FileNotFoundError extends FileSystemError {
  constructor(path: string, message = `${path} does not exist: check the path`, cause?: unknown) {
    super('not-found', path, message, cause);
    this.name = 'FileNotFoundError';
  }
}

export class FileAlreadyExistsError extends FileSystemError {
  constructor(path: string, message = `${path} already exists: remove it or choose another path`, cause?: unknown) {
    super('already-exists', path, message, cause);
    this.name = 'FileAlreadyExistsError';
  }
}

export class AccessDeniedError extends FileSystemError {
  constructor(path: string, message = `Permission denied on ${path}: check its owner and permissions`, cause?: unknown) {
    super('access-denied', path, message, cause);
    this.name = 'AccessDeniedError';
  }
}
