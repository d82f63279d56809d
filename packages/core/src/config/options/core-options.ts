import { booleanOption, durationOption, enumOption, intOption, stringOption } from '../config-option.js';

export const RUNTIME_MODES = ['STREAMING', 'BATCH', 'AUTOMATIC'] as const;
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

/** General job options (Flink's CoreOptions, PipelineOptions, ExecutionOptions, DeploymentOptions). */
export const CoreOptions = {
  DEFAULT_PARALLELISM: intOption({
    key: 'parallelism.default',
    default: 1,
    min: 1,
    description: 'Parallelism of operators that do not set one themselves.',
  }),
  MAX_PARALLELISM: intOption({
    key: 'pipeline.max-parallelism',
    default: -1,
    min: -1,
    max: 32768,
    description: 'Number of key groups, the upper bound for rescaling keyed state; -1 derives it from the parallelism.',
  }),
  RUNTIME_MODE: enumOption({
    key: 'execution.runtime-mode',
    values: RUNTIME_MODES,
    default: 'STREAMING',
    description: 'Whether jobs run as unbounded streams, as bounded batch jobs, or AUTOMATIC (batch when all sources are bounded).',
  }),
  BUFFER_TIMEOUT: durationOption({
    key: 'execution.buffer-timeout.interval',
    default: 100,
    min: -1,
    deprecatedKeys: ['execution.buffer-timeout'],
    description: 'Longest time a partly filled network buffer waits before it is sent; -1 sends buffers only when full.',
  }),
  EXECUTION_TARGET: stringOption({
    key: 'execution.target',
    default: 'local',
    description: 'Where jobs are deployed: local, remote, yarn-session, yarn-per-job or yarn-application.',
  }),
  EXECUTION_ATTACHED: booleanOption({
    key: 'execution.attached',
    default: true,
    description: 'Whether the client waits for the job to finish (attached) or returns after submission (detached).',
  }),
  SHUTDOWN_ON_ATTACHED_EXIT: booleanOption({
    key: 'execution.shutdown-on-attached-exit',
    default: false,
    description:
      'An attached client that is terminated (SIGTERM, SIGINT) cancels its job; one that dies outright is noticed by the missing client heartbeats (client.heartbeat.timeout), and the job is cancelled too (`-sae`).',
  }),
  CLIENT_HEARTBEAT_INTERVAL: durationOption({
    key: 'client.heartbeat.interval',
    default: 30_000,
    min: 1,
    description: 'How often an attached client with execution.shutdown-on-attached-exit tells the JobManager it is alive.',
  }),
  CLIENT_HEARTBEAT_TIMEOUT: durationOption({
    key: 'client.heartbeat.timeout',
    default: 180_000,
    min: 1,
    description:
      'How long the JobManager waits for a heartbeat of such a client before it cancels the job, counted from the submission and from each heartbeat.',
  }),
  PIPELINE_NAME: stringOption({
    key: 'pipeline.name',
    description: 'Name of the job shown in the web UI and logs; defaults to the name of the job file.',
  }),
  TMP_DIRS: stringOption({
    key: 'io.tmp.dirs',
    description:
      "Directories for temporary files of TaskManagers (BATCH blocking result partitions, spill files of sorts, joins and aggregations), separated by ',' or ':'; used in turn. The system's temporary directory when not set.",
  }),
  AUTO_WATERMARK_INTERVAL: durationOption({
    key: 'pipeline.auto-watermark-interval',
    default: 200,
    min: 0,
    description: 'Interval at which periodic watermark generators emit watermarks; 0 disables periodic watermarks.',
  }),
} as const;

/** The directories of `io.tmp.dirs` (separated by ',' or ':', as Flink accepts), or the system's temporary directory. */
export function tmpDirectories(value: string | undefined, systemTmp: string): string[] {
  const dirs = (value ?? '')
    .split(/[,:]/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
  return dirs.length > 0 ? dirs : [systemTmp];
}
