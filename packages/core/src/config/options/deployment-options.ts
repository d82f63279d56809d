import { enumOption, intOption, stringOption } from '../config-option.js';

/** Standalone cluster processes: identity, directories and the TaskManagers to start. */
export const DeploymentOptions = {
  CLUSTER_ID: stringOption({
    key: 'high-availability.cluster-id',
    default: 'default',
    description: 'Identity of the cluster; processes of another cluster are rejected when they call in.',
  }),
  NUM_TASK_MANAGERS: intOption({
    key: 'standalone.number-of-taskmanagers',
    default: 1,
    min: 0,
    description: 'TaskManager processes that `spindle cluster start` starts beside the JobManager.',
  }),
  LOG_DIR: stringOption({
    key: 'env.log.dir',
    description: "Directory of the cluster processes' log and pid files; defaults to log/ of the installation.",
  }),
  BLOB_DIR: stringOption({
    key: 'blob.storage.directory',
    description:
      'Directory under which each JobManager and TaskManager process makes its own working directory (job bundles, uploaded jars, cached bundles), removed when the process stops; defaults to the system temp directory. A directory of another file system (hdfs://...) keeps a durable copy of every job bundle of the JobManager under blobs/ there, while the working directories stay in the local temp directory.',
  }),
  TASK_MANAGER_RESOURCE_ID: stringOption({
    key: 'taskmanager.resource-id',
    description: 'Resource id the TaskManager registers under; generated from host and port when unset.',
  }),
  RESOURCE_DRIVER: enumOption({
    key: 'resourcemanager.driver',
    values: ['standalone', 'local-process'] as const,
    default: 'standalone',
    description:
      'How TaskManagers come and go: standalone (started by hand or by `spindle cluster start`) or local-process (the ResourceManager starts processes when slots are short and stops idle ones).',
  }),
  TASK_MANAGER_RPC_PORT: intOption({
    key: 'taskmanager.rpc.port',
    default: 0,
    min: 0,
    max: 65535,
    description: "Port of a TaskManager's control plane (gRPC); 0 picks a free port.",
  }),
  TASK_MANAGER_DATA_PORT: intOption({
    key: 'taskmanager.data.port',
    default: 0,
    min: 0,
    max: 65535,
    description: "Port of a TaskManager's data plane (TCP shuffle); 0 picks a free port.",
  }),
} as const;
