import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { SpindleError, childPath, fileSystemFor, randomHexId } from '@spindle/core';
import type { OperatorSubtaskStateHandle, StateFileHandle } from '@spindle/protocol';

/**
 * Checkpoint storage on the FileSystem port (any scheme: file://, hdfs://). Layout, as Flink's:
 * `<dir>/<jobId>/chk-<id>/` holds the tasks' state files and, once the checkpoint completed, its
 * `_metadata`. Only a directory with a valid `_metadata` is a completed checkpoint.
 */

export const METADATA_FILE = '_metadata';
const MAGIC = 'SPINDLE-CHECKPOINT';
const METADATA_VERSION = 1;

/** The state of one subtask in a completed checkpoint. */
export interface SubtaskStateMetadata {
  /** The subtask had finished: it restores as finished. */
  finished: boolean;
  operators: Record<string, OperatorSubtaskStateHandle>;
}

export interface VertexStateMetadata {
  vertexId: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  operatorIds: string[];
  /** The user's uid of each operator (by index of `operatorIds`), for messages about unmatched state. */
  operatorUids?: Array<string | null>;
  subtasks: SubtaskStateMetadata[];
}

/** What `_metadata` holds: every subtask's state handles. */
export interface CheckpointMetadata {
  jobId: string;
  checkpointId: number;
  timestamp: number;
  /** Set in savepoints: a savepoint is a checkpoint the user triggered, in a directory of its own. */
  savepoint?: boolean;
  vertices: VertexStateMetadata[];
}

export function checkpointLocation(baseDir: string, jobId: string, checkpointId: number): string {
  return childPath(childPath(baseDir, jobId), `chk-${checkpointId}`);
}

/**
 * A savepoint's directory, as Flink names it: `<dir>/savepoint-<first 6 hex of the job id>-<12 random hex>`.
 * Its state files are written into it, so that it stays restorable after the job and its checkpoints are gone.
 */
export function savepointLocation(targetDir: string, jobId: string): string {
  return childPath(targetDir, `savepoint-${jobId.slice(0, 6)}-${randomHexId().slice(0, 12)}`);
}

export class CheckpointStorageError extends SpindleError {
  constructor(message: string, code = 'CHECKPOINT_CORRUPT') {
    super(message, { code, recoverability: 'non-recoverable', userFacing: true });
    this.name = 'CheckpointStorageError';
  }
}

/** Writes a file whole; resolves once its bytes are durable. */
export async function writeFileBytes(path: string, chunks: readonly Uint8Array[], overwrite = false): Promise<void> {
  const { fs } = await fileSystemFor(path);
  const out = await fs.create(path, { overwrite });
  for (const c of chunks) out.write(c);
  out.end();
  await finished(out);
}

export async function readFileBytes(path: string, offset?: number, length?: number): Promise<Uint8Array> {
  const { fs } = await fileSystemFor(path);
  const options = { ...(offset !== undefined ? { offset } : {}), ...(length !== undefined ? { length } : {}) };
  const input = await fs.open(path, options);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The bytes a handle points to; a short read (a truncated file) is an error. */
export async function readStateHandle(handle: StateFileHandle): Promise<Uint8Array> {
  const bytes = await readFileBytes(handle.path, handle.offset, handle.length);
  if (bytes.length !== handle.length) {
    throw new CheckpointStorageError(
      `checkpoint state file ${handle.path} is truncated: expected ${handle.length} bytes at offset ${handle.offset}, read ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * Writes `_metadata` atomically: to a temporary name in the checkpoint's directory, then renamed,
 * so that a reader never sees a partial file under the final name. The header carries the body's
 * length and SHA-256, so a truncated or altered file is detected on reading.
 */
export async function writeMetadata(location: string, metadata: CheckpointMetadata): Promise<{ path: string; size: number }> {
  const body = Buffer.from(JSON.stringify(metadata), 'utf8');
  const digest = createHash('sha256').update(body).digest('hex');
  const header = Buffer.from(`${MAGIC} ${METADATA_VERSION} ${body.length} ${digest}\n`, 'utf8');
  const target = childPath(location, METADATA_FILE);
  const temp = childPath(location, `.${METADATA_FILE}.${randomHexId().slice(0, 8)}.inprogress`);
  const { fs } = await fileSystemFor(target);
  await writeFileBytes(temp, [header, body]);
  try {
    await fs.rename(temp, target);
  } catch (e) {
    await fs.delete(temp).catch(() => false);
    throw e;
  }
  return { path: target, size: header.length + body.length };
}

/** Reads and checks a `_metadata` file (or the checkpoint directory holding one). */
export async function readMetadata(path: string): Promise<CheckpointMetadata> {
  const file = path.endsWith(METADATA_FILE) ? path : childPath(path, METADATA_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(file);
  } catch (e) {
    if (e instanceof SpindleError && e.code === 'FS_NOT_FOUND') {
      throw new CheckpointStorageError(`${file} does not exist: not a completed checkpoint`, 'CHECKPOINT_NOT_FOUND');
    }
    throw e;
  }
  return parseMetadata(file, Buffer.from(bytes));
}

function parseMetadata(file: string, bytes: Buffer): CheckpointMetadata {
  const newline = bytes.indexOf(10);
  const header = (newline < 0 ? '' : bytes.subarray(0, newline).toString('utf8')).split(' ');
  if (header.length !== 4 || header[0] !== MAGIC) throw new CheckpointStorageError(`${file} is not checkpoint metadata`);
  if (Number(header[1]) !== METADATA_VERSION) {
    throw new CheckpointStorageError(`${file} has metadata version ${header[1]}; this build reads version ${METADATA_VERSION}`);
  }
  const body = bytes.subarray(newline + 1);
  if (body.length !== Number(header[2])) {
    throw new CheckpointStorageError(`${file} is truncated or corrupt: ${body.length} bytes where its header says ${header[2]}`);
  }
  if (createHash('sha256').update(body).digest('hex') !== header[3]) {
    throw new CheckpointStorageError(`${file} is corrupt: its checksum does not match its contents`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as CheckpointMetadata;
  } catch {
    throw new CheckpointStorageError(`${file} is corrupt: its contents are not valid metadata`);
  }
}

/** Deletes a checkpoint's directory; missing is fine. */
export async function discardCheckpoint(location: string): Promise<void> {
  const { fs } = await fileSystemFor(location);
  await fs.delete(location, { recursive: true });
}
