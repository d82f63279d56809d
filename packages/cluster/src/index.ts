export {
  ClusterEntrypoint,
  runClusterEntrypoint,
  type ClusterComponents,
  type ClusterMode,
  type ResourceDriverFactory,
} from './cluster-entrypoint.js';
export { startTaskManager, runTaskManager, type TaskManagerProcess } from './taskmanager-runner.js';
export { LocalProcessDriver, standaloneDriverFactory } from './local-process-driver.js';
export { JobSubmission } from './job-submission.js';
export {
  checkAdvertised,
  jobManagerAddresses,
  jobManagerRpcTarget,
  restAddresses,
  taskManagerAddresses,
  type ProcessAddresses,
} from './addresses.js';
export {
  cgroupMemoryLimit,
  deriveTaskManagerMemory,
  memoryLogFields,
  type CgroupPaths,
  type SlotResourceLimits,
  type TaskManagerMemory,
} from './taskmanager-memory.js';
export { PROCESS_LOG_FILE_ENV, ensureDir, logDir, processLogs } from './process-common.js';
export { PrometheusEndpoint } from './prometheus-endpoint.js';
export { taskManagerMetricGroups } from './task-manager-metrics.js';

export { engineNodeModules, linkEngineModules } from './engine-modules.js';
export { JOB_MANAGER_PID_KEY, jobManagerPidAt } from './process-identity.js';
