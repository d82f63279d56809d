import { durationOption, numberOption } from '../config-option.js';

/** Active resource management: how workers are asked for, and when asking stops (Flink's ResourceManagerOptions). */
export const ResourceManagerOptions = {
  START_WORKER_MAX_FAILURE_RATE: numberOption({
    key: 'resourcemanager.start-worker-max-failure-rate',
    default: 10,
    min: 0,
    description:
      'Worker start failures per minute (a request the driver rejects, or a worker that ends before it registers) beyond which the slot requests waiting for workers fail at once and new workers are asked for only after resourcemanager.start-worker-retry-interval.',
  }),
  START_WORKER_RETRY_INTERVAL: durationOption({
    key: 'resourcemanager.start-worker-retry-interval',
    default: 3000,
    min: 0,
    description: 'Pause before asking for workers again once start failures went beyond the maximum rate.',
  }),
  TASK_MANAGER_REGISTRATION_TIMEOUT: durationOption({
    key: 'resourcemanager.taskmanager-registration.timeout',
    default: 300_000,
    min: 1,
    description:
      'Time a started worker (or one recovered from a previous attempt) may take to register before it is released and counted as a start failure.',
  }),
  CPU_CORES: numberOption({
    key: 'taskmanager.cpu.cores',
    default: 0,
    min: 0,
    description: 'Cores asked for each TaskManager (YARN vcores, rounded up); 0 means taskmanager.numberOfTaskSlots.',
  }),
} as const;
