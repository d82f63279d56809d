import { ListStateDescriptor } from '@spindle/runtime/task';
import type { InProgressFileState, PendingFile } from './part-file.js';

/**
 * A bucket at a checkpoint (Flink's FileWriterBucketState): its id and directory, and the
 * in-progress file to resume, if any.
 */
export interface BucketState {
  readonly bucketId: string;
  readonly bucketPath: string;
  readonly inProgress: InProgressFileState | null;
}

/** A bucket whose checkpoint recorded an in-progress file: a restored subtask continues it. */
export type ResumableBucketState = BucketState & { readonly inProgress: InProgressFileState };

export function isResumable(state: BucketState): state is ResumableBucketState {
  return state.inProgress !== null;
}

/** A pending file and the checkpoint that made it pending (Flink's committable). */
export interface PendingFileState extends PendingFile {
  readonly checkpointId: number;
}

const IN_PROGRESS_FILE = {
  type: 'record',
  name: 'InProgressFile',
  namespace: 'spindle.filesink',
  fields: [
    { name: 'tempPath', type: 'string' },
    { name: 'targetPath', type: 'string' },
    { name: 'length', type: 'long' },
    { name: 'creationTime', type: 'long' },
  ],
};

const BUCKET_STATE = {
  type: 'record',
  name: 'BucketState',
  namespace: 'spindle.filesink',
  fields: [
    { name: 'bucketId', type: 'string' },
    { name: 'bucketPath', type: 'string' },
    { name: 'inProgress', type: ['null', IN_PROGRESS_FILE], default: null },
  ],
};

const PENDING_FILE = {
  type: 'record',
  name: 'PendingFile',
  namespace: 'spindle.filesink',
  fields: [
    { name: 'checkpointId', type: 'long' },
    { name: 'tempPath', type: 'string' },
    { name: 'targetPath', type: 'string' },
    { name: 'length', type: 'long' },
  ],
};

/**
 * Both lists are split among the subtasks of a restored job, as Flink splits its writer and
 * committer states: at any parallelism, each pending file is committed by exactly one subtask and
 * each in-progress file resumed by exactly one.
 */
export const bucketStates = (): ListStateDescriptor<BucketState> =>
  new ListStateDescriptor('file-sink-bucket-states', { avroSchema: BUCKET_STATE });

export const pendingFiles = (): ListStateDescriptor<PendingFileState> =>
  new ListStateDescriptor('file-sink-pending-files', { avroSchema: PENDING_FILE });
