/** Shapes of the ResourceManager REST API (`/ws/v1/cluster`), as Hadoop 3.5 renders them in JSON. */

export interface ClusterInfo {
  id: number;
  startedOn: number;
  state: string;
  haState: string;
  resourceManagerVersion: string;
  hadoopVersion: string;
}

export interface ClusterMetrics {
  appsSubmitted: number;
  appsRunning: number;
  availableMB: number;
  allocatedMB: number;
  totalMB: number;
  availableVirtualCores: number;
  totalVirtualCores: number;
  activeNodes: number;
  containersAllocated: number;
  [key: string]: unknown;
}

export interface QueueInfo {
  queueName: string;
  /** e.g. root.default (capacity scheduler). */
  queuePath?: string;
  type?: string;
  capacity?: number;
  maxCapacity?: number;
  absoluteMaxCapacity?: number;
  state?: string;
  /** The largest container this queue grants. */
  maximumAllocation?: { memory: number; vCores: number };
}

export interface NewApplication {
  applicationId: string;
  maximumResourceCapability: { memory: number; vCores: number };
}

export type YarnApplicationState = 'NEW' | 'NEW_SAVING' | 'SUBMITTED' | 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
export type FinalStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';

export interface ApplicationReport {
  id: string;
  user: string;
  name: string;
  queue: string;
  state: YarnApplicationState;
  finalStatus: FinalStatus;
  progress: number;
  trackingUI?: string;
  trackingUrl?: string;
  diagnostics?: string;
  applicationType?: string;
  /** Parsed from the comma-separated string the RM returns. */
  applicationTags: string[];
  startedTime?: number;
  finishedTime?: number;
  amContainerLogs?: string;
  amHostHttpAddress?: string;
  amRPCAddress?: string;
  unmanagedApplication?: boolean;
}

export interface LocalResourceSpec {
  /** URL of the source (hdfs://…, file://…). */
  resource: string;
  type: 'ARCHIVE' | 'FILE' | 'PATTERN';
  visibility: 'PUBLIC' | 'PRIVATE' | 'APPLICATION';
  size: number;
  timestamp: number;
}

export interface ApplicationSubmission {
  applicationId: string;
  name: string;
  queue?: string;
  applicationType?: string;
  tags?: string[];
  maxAppAttempts?: number;
  /** The AM container's size. */
  resource: { memoryMb: number; vcores: number };
  amContainer: {
    commands: string[];
    environment?: Record<string, string>;
    localResources?: Record<string, LocalResourceSpec>;
  };
  /** The RM launches no AM container: the submitter runs it (tests, debugging). */
  unmanagedAm?: boolean;
  keepContainersAcrossAttempts?: boolean;
  priority?: number;
}

export interface FindApplicationsQuery {
  tags?: string[];
  states?: YarnApplicationState[];
  applicationTypes?: string[];
  user?: string;
  limit?: number;
}
