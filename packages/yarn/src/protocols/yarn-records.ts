/** Decoded shapes of the YARN records the AM and NM protocols return (field names as in Hadoop's protos). */
import type { ContainerIdProto, NodeIdProto, ResourceProto } from '../records.js';

export interface TokenProto {
  identifier?: Buffer;
  password?: Buffer;
  kind?: string;
  service?: string;
}

export interface ContainerProto {
  id?: ContainerIdProto;
  nodeId?: NodeIdProto;
  node_http_address?: string;
  resource?: ResourceProto;
  priority?: { priority?: number };
  container_token?: TokenProto;
  allocation_request_id?: number;
}

export interface ContainerStatusProto {
  container_id?: ContainerIdProto;
  state?: 'C_NEW' | 'C_RUNNING' | 'C_COMPLETE';
  diagnostics?: string;
  /** Process exit code, or one of Hadoop's ContainerExitStatus values (-100 aborted, -105 killed by the AM...). */
  exit_status?: number;
  capability?: ResourceProto;
}

export interface NmTokenProto {
  nodeId?: NodeIdProto;
  token?: TokenProto;
}

export interface SerializedExceptionProto {
  message?: string;
  trace?: string;
  class_name?: string;
  cause?: SerializedExceptionProto;
}

export interface ContainerExceptionMapProto {
  container_id?: ContainerIdProto;
  exception?: SerializedExceptionProto;
}

/** Hadoop's ContainerExitStatus values. */
export const CONTAINER_EXIT_STATUS = {
  SUCCESS: 0,
  INVALID: -1000,
  ABORTED: -100,
  DISKS_FAILED: -101,
  PREEMPTED: -102,
  KILLED_EXCEEDED_VMEM: -103,
  KILLED_EXCEEDED_PMEM: -104,
  KILLED_BY_APPMASTER: -105,
  KILLED_BY_RESOURCEMANAGER: -106,
  KILLED_AFTER_APP_COMPLETION: -107,
  KILLED_BY_CONTAINER_SCHEDULER: -108,
} as const;
