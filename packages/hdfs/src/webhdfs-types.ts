/** GETFILESTATUS / LISTSTATUS entries as WebHDFS sends them (additional fields are allowed). */
export interface HdfsFileStatus {
  readonly accessTime: number;
  readonly blockSize: number;
  readonly group: string;
  readonly length: number;
  readonly modificationTime: number;
  readonly owner: string;
  /** The entry's name in a listing; '' for GETFILESTATUS and for a file listed as itself. */
  readonly pathSuffix: string;
  /** Octal, e.g. `644`. */
  readonly permission: string;
  readonly replication: number;
  readonly type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  readonly childrenNum?: number;
  readonly fileId?: number;
}

/** GETCONTENTSUMMARY. */
export interface ContentSummary {
  readonly directoryCount: number;
  readonly fileCount: number;
  readonly length: number;
  readonly quota: number;
  readonly spaceConsumed: number;
  readonly spaceQuota: number;
}

export interface CreateParameters {
  overwrite?: boolean;
  /** Octal permission, e.g. `600`; the NameNode's default (644) otherwise. */
  permission?: string;
  blockSize?: number;
  replication?: number;
}
