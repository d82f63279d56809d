export { startJobManager, runJobManager, type JobManagerProcess, type JobManagerLaunch } from './jobmanager-process.js';
export { startTaskManager, runTaskManager, type TaskManagerProcess } from './taskmanager-process.js';
export { LocalProcessDriver } from './local-process-driver.js';
export { JobSubmission } from './job-submission.js';
export { PROCESS_LOG_FILE_ENV, bindHost, ensureDir, logDir } from './process-common.js';
export { PrometheusEndpoint } from './prometheus-endpoint.js';
export { taskManagerMetricGroups } from './task-manager-metrics.js';
export { engineNodeModules, linkEngineModules } from './engine-modules.js';
export { JOB_MANAGER_PID_KEY, jobManagerPidAt } from './process-identity.js';
