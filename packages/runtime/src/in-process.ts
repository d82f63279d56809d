/**
 * The runtime without its network RPC transport (gRPC): what runs inside one process — operators,
 * tasks, the task loop and shuffle, state, programs, the in-process RPC service and the
 * MiniCluster. It extends the `task` entry (what operators and job bundles need) with the cluster
 * components; the package's main entry adds the gRPC transport and blob service that cluster
 * processes use.
 */
export * from './task.js';
export * from './network/index.js';
export * from './tasks/mailbox-processor.js';
export * from './tasks/processing-time-service.js';
export * from './tasks/status-watermark-valve.js';
export * from './tasks/chain.js';
export * from './tasks/stream-task.js';
export * from './tasks/record-writer-output.js';
export * from './program/program-loader.js';
export * from './rpc/gateways.js';
export * from './rpc/rpc-service.js';
export * from './executiongraph/execution-graph.js';
export * from './executiongraph/state-machines.js';
export * from './jobmaster/job-master.js';
export * from './resourcemanager/resource-manager.js';
export * from './dispatcher/dispatcher.js';
export * from './taskexecutor/task-executor.js';
export * from './taskexecutor/slot-host.js';
export * from './minicluster/mini-cluster.js';
export * from './heartbeat/heartbeat-monitor.js';
export * from './blob/blob-store.js';
export * from './taskexecutor/shuffle-hub.js';
export * from './taskexecutor/worker-slot-host.js';
export * from './taskexecutor/inline-slot-host.js';
export * from './resourcemanager/resource-driver.js';
export * from './resourcemanager/active-resources.js';
export * from './program/plan-runner.js';
export * from './jobmaster/archived-job.js';
export * from './tasks/operator-state-handler.js';
export * from './tasks/checkpoint-barrier-handler.js';
export * from './tasks/subtask-checkpoint.js';
export * from './checkpoint/checkpoint-config.js';
export * from './checkpoint/checkpoint-coordinator.js';
export * from './checkpoint/checkpoint-stats.js';
export * from './checkpoint/checkpoint-storage.js';
export * from './checkpoint/state-assignment.js';
export * from './executiongraph/restart-strategies.js';
export * from './metrics/index.js';
export * from './logs/log-directory.js';
