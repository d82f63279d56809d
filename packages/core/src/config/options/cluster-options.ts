import { durationOption, intOption, stringOption } from '../config-option.js';

/** Heartbeats, slots and JobManager/REST endpoints (Flink's HeartbeatManagerOptions, JobManagerOptions, RestOptions). */
export const ClusterOptions = {
  HEARTBEAT_INTERVAL: durationOption({
    key: 'heartbeat.interval',
    default: 10_000,
    min: 1,
    description: 'Time between heartbeat requests from the JobManager and ResourceManager to TaskManagers.',
  }),
  HEARTBEAT_TIMEOUT: durationOption({
    key: 'heartbeat.timeout',
    default: 50_000,
    min: 1,
    description: 'Time without a heartbeat after which a TaskManager or JobManager is considered lost.',
  }),
  SLOT_REQUEST_TIMEOUT: durationOption({
    key: 'slot.request.timeout',
    default: 300_000,
    min: 1,
    description: 'Time a slot request may stay unfulfilled before the job fails for lack of resources.',
  }),
  SLOT_IDLE_TIMEOUT: durationOption({
    key: 'slot.idle.timeout',
    default: 50_000,
    min: 0,
    description: 'Time the slot pool keeps an unused slot before returning it to the ResourceManager.',
  }),
  STANDALONE_START_UP_TIME: durationOption({
    key: 'resourcemanager.standalone.start-up-time',
    default: -1,
    min: -1,
    description:
      'Time a streaming job on a cluster without an active resource driver (standalone) waits for TaskManagers to offer the slots it needs before it fails; -1 means slot.request.timeout.',
  }),
  TASK_CANCELLATION_TIMEOUT: durationOption({
    key: 'task.cancellation.timeout',
    default: 180_000,
    min: 0,
    description:
      "Time a cancelled task may take to stop before its slot's worker thread is terminated, the slot freed and the task reported cancelled (the TaskManager lives on); 0 waits forever.",
  }),
  TASK_MANAGER_TIMEOUT: durationOption({
    key: 'resourcemanager.taskmanager-timeout',
    default: 30_000,
    min: 0,
    description: 'Time a TaskManager without allocated slots is kept before the ResourceManager releases it.',
  }),
  JOB_MANAGER_ADDRESS: stringOption({
    key: 'jobmanager.rpc.address',
    default: 'localhost',
    description: 'Address at which TaskManagers and clients reach the JobManager (advertised); `localhost` means 127.0.0.1.',
  }),
  JOB_MANAGER_BIND_HOST: stringOption({
    key: 'jobmanager.bind-host',
    description:
      "Address the JobManager's RPC server binds to (0.0.0.0 for every interface); defaults to jobmanager.rpc.address, so a cluster on one machine stays on loopback (Flink binds 0.0.0.0).",
  }),
  JOB_MANAGER_PORT: intOption({
    key: 'jobmanager.rpc.port',
    default: 6123,
    min: 0,
    max: 65535,
    description: 'Port of the JobManager control plane (gRPC); 0 picks a free port.',
  }),
  REST_PORT: intOption({
    key: 'rest.port',
    default: 8081,
    min: 0,
    max: 65535,
    description: 'Port of the REST API and web UI; 0 picks a free port.',
  }),
  REST_ADDRESS: stringOption({
    key: 'rest.address',
    default: 'localhost',
    description: 'Address clients use to reach the REST API.',
  }),
  REST_BIND_ADDRESS: stringOption({
    key: 'rest.bind-address',
    description: 'Address the REST server binds to (0.0.0.0 for every interface); defaults to rest.address.',
  }),
} as const;
