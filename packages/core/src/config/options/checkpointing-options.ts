import { booleanOption, durationOption, enumOption, intOption, numberOption, stringOption } from '../config-option.js';

export const CHECKPOINTING_MODES = ['EXACTLY_ONCE', 'AT_LEAST_ONCE'] as const;
export type CheckpointingMode = (typeof CHECKPOINTING_MODES)[number];

export const EXTERNALIZED_CHECKPOINT_RETENTIONS = [
  'DELETE_ON_CANCELLATION',
  'RETAIN_ON_CANCELLATION',
  'NO_EXTERNALIZED_CHECKPOINTS',
] as const;
export type ExternalizedCheckpointRetention = (typeof EXTERNALIZED_CHECKPOINT_RETENTIONS)[number];

/** Flink's smallest checkpoint interval and timeout. */
export const MINIMAL_CHECKPOINT_TIME_MS = 10;

/**
 * Checkpoints (Flink's CheckpointingOptions, reorganised under `execution.checkpointing.*` in Flink
 * 1.20; the older keys are read as deprecated keys). Checkpointing is off unless an interval is set.
 */
export const CheckpointingOptions = {
  INTERVAL: durationOption({
    key: 'execution.checkpointing.interval',
    default: -1,
    min: MINIMAL_CHECKPOINT_TIME_MS,
    description: 'Time between the starts of two periodic checkpoints; unset disables checkpointing. At least 10 ms.',
  }),
  MODE: enumOption({
    key: 'execution.checkpointing.mode',
    values: CHECKPOINTING_MODES,
    default: 'EXACTLY_ONCE',
    description:
      'EXACTLY_ONCE aligns checkpoint barriers at tasks with several input channels; AT_LEAST_ONCE does not (records may be counted twice after a recovery).',
  }),
  TIMEOUT: durationOption({
    key: 'execution.checkpointing.timeout',
    default: 600_000,
    min: MINIMAL_CHECKPOINT_TIME_MS,
    description: 'Time after which a checkpoint still in progress is aborted. At least 10 ms.',
  }),
  MIN_PAUSE: durationOption({
    key: 'execution.checkpointing.min-pause',
    default: 0,
    min: 0,
    description: 'Minimal time between the end of one checkpoint and the start of the next.',
  }),
  MAX_CONCURRENT: intOption({
    key: 'execution.checkpointing.max-concurrent-checkpoints',
    default: 1,
    min: 1,
    description: 'Checkpoints that may be in progress at the same time.',
  }),
  TOLERABLE_FAILED: intOption({
    key: 'execution.checkpointing.tolerable-failed-checkpoints',
    default: 0,
    min: 0,
    description: 'Consecutive failed checkpoints tolerated before the job fails (and restarts under its restart strategy).',
  }),
  EXTERNALIZED_RETENTION: enumOption({
    key: 'execution.checkpointing.externalized-checkpoint-retention',
    values: EXTERNALIZED_CHECKPOINT_RETENTIONS,
    default: 'NO_EXTERNALIZED_CHECKPOINTS',
    description:
      'What happens to the retained checkpoints when the job is cancelled: kept (RETAIN_ON_CANCELLATION), deleted (DELETE_ON_CANCELLATION), or, by default, deleted when the job ends in any way (NO_EXTERNALIZED_CHECKPOINTS). With either retention, a failed job keeps them.',
  }),
  NUM_RETAINED: intOption({
    key: 'execution.checkpointing.num-retained',
    default: 1,
    min: 1,
    deprecatedKeys: ['state.checkpoints.num-retained'],
    description: 'Completed checkpoints kept; older ones are deleted once a newer one completes.',
  }),
  DIR: stringOption({
    key: 'execution.checkpointing.dir',
    deprecatedKeys: ['state.checkpoints.dir'],
    description:
      'Directory (any FileSystem URI, e.g. file:///ckpt or hdfs:///ckpt) under which checkpoints are written as <dir>/<jobId>/chk-<id>/; required when checkpointing is on.',
  }),
  SAVEPOINT_DIR: stringOption({
    key: 'execution.checkpointing.savepoint-dir',
    deprecatedKeys: ['state.savepoints.dir'],
    description: 'Default directory of savepoints.',
  }),
  STATE_RECOVERY_PATH: stringOption({
    key: 'execution.state-recovery.path',
    deprecatedKeys: ['execution.savepoint.path'],
    description: 'A savepoint or retained checkpoint (its directory or its _metadata file) the job starts from (spindle run -s).',
  }),
  IGNORE_UNCLAIMED_STATE: booleanOption({
    key: 'execution.state-recovery.ignore-unclaimed-state',
    default: false,
    deprecatedKeys: ['execution.savepoint.ignore-unclaimed-state'],
    description:
      'Starts from a savepoint even when some of its state belongs to no operator of the job (spindle run -n, allowNonRestoredState); that state is dropped.',
  }),
  CHECKPOINTS_AFTER_TASKS_FINISH: booleanOption({
    key: 'execution.checkpointing.checkpoints-after-tasks-finish',
    default: true,
    deprecatedKeys: ['execution.checkpointing.checkpoints-after-tasks-finish.enabled'],
    description:
      'Checkpoints go on while some tasks have finished, and a finished task waits for a final completed checkpoint before it ends (so that sinks commit their last output).',
  }),
} as const;

export const RESTART_STRATEGY_TYPES = ['none', 'fixed-delay', 'failure-rate', 'exponential-delay'] as const;
export type RestartStrategyType = (typeof RESTART_STRATEGY_TYPES)[number];

/** Restart strategies and failover (Flink's RestartStrategyOptions, JobManagerOptions). */
export const RestartStrategyOptions = {
  TYPE: enumOption({
    key: 'restart-strategy.type',
    values: [...RESTART_STRATEGY_TYPES, 'off', 'disable', 'fixeddelay', 'failurerate', 'exponentialdelay'] as const,
    default: 'none',
    deprecatedKeys: ['restart-strategy'],
    description:
      'How a failed job restarts: none, fixed-delay, failure-rate or exponential-delay. Unset: none without checkpointing, exponential-delay with checkpointing.',
  }),
  FIXED_DELAY_ATTEMPTS: intOption({
    key: 'restart-strategy.fixed-delay.attempts',
    default: 1,
    min: 0,
    description: 'Restarts before the job fails (fixed-delay).',
  }),
  FIXED_DELAY_DELAY: durationOption({
    key: 'restart-strategy.fixed-delay.delay',
    default: 1000,
    min: 0,
    description: 'Time between a failure and the restart (fixed-delay).',
  }),
  FAILURE_RATE_MAX_FAILURES: intOption({
    key: 'restart-strategy.failure-rate.max-failures-per-interval',
    default: 1,
    min: 1,
    description: 'Failures within one interval that still restart the job; one more fails it (failure-rate).',
  }),
  FAILURE_RATE_INTERVAL: durationOption({
    key: 'restart-strategy.failure-rate.failure-rate-interval',
    default: 60_000,
    min: 1,
    description: 'Interval over which failures are counted (failure-rate).',
  }),
  FAILURE_RATE_DELAY: durationOption({
    key: 'restart-strategy.failure-rate.delay',
    default: 1000,
    min: 0,
    description: 'Time between a failure and the restart (failure-rate).',
  }),
  EXPONENTIAL_INITIAL_BACKOFF: durationOption({
    key: 'restart-strategy.exponential-delay.initial-backoff',
    default: 1000,
    min: 0,
    description: 'Delay before the first restart (exponential-delay).',
  }),
  EXPONENTIAL_MAX_BACKOFF: durationOption({
    key: 'restart-strategy.exponential-delay.max-backoff',
    default: 60_000,
    min: 0,
    description: 'Largest delay between a failure and the restart (exponential-delay).',
  }),
  EXPONENTIAL_MULTIPLIER: numberOption({
    key: 'restart-strategy.exponential-delay.backoff-multiplier',
    default: 1.5,
    min: 1,
    description: 'Factor by which the delay grows with each failure (exponential-delay).',
  }),
  EXPONENTIAL_RESET_THRESHOLD: durationOption({
    key: 'restart-strategy.exponential-delay.reset-backoff-threshold',
    default: 3_600_000,
    min: 1,
    description: 'Time without failures after which the delay starts again at the initial backoff (exponential-delay).',
  }),
  EXPONENTIAL_JITTER: numberOption({
    key: 'restart-strategy.exponential-delay.jitter-factor',
    default: 0.1,
    min: 0,
    max: 1,
    description: 'Fraction by which each delay varies at random (exponential-delay).',
  }),
  EXPONENTIAL_ATTEMPTS: intOption({
    key: 'restart-strategy.exponential-delay.attempts-before-reset-backoff',
    default: 2_147_483_647,
    min: 1,
    description: 'Restarts without a reset before the job fails (exponential-delay).',
  }),
  FAILOVER_STRATEGY: enumOption({
    key: 'jobmanager.execution.failover-strategy',
    values: ['full', 'region'] as const,
    default: 'region',
    description:
      'Which tasks restart after a failure: full (all tasks) or region (only the pipelined region of the failed task: the tasks connected to it by data exchanges).',
  }),
} as const;
