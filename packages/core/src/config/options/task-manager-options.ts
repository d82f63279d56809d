import { checkedStringOption, intOption, memoryOption, stringOption } from '../config-option.js';

/** TaskManager slots and network memory (Flink's TaskManagerOptions and NettyShuffleEnvironmentOptions). */
export const TaskManagerOptions = {
  NUM_TASK_SLOTS: intOption({
    key: 'taskmanager.numberOfTaskSlots',
    default: 1,
    min: 1,
    description: 'Number of slots a TaskManager offers, each a worker thread that runs one parallel pipeline.',
  }),
  SEGMENT_SIZE: memoryOption({
    key: 'taskmanager.memory.segment-size',
    default: 32 * 1024,
    min: 4096,
    description: 'Size of the network buffers that records are serialized into.',
  }),
  BUFFERS_PER_CHANNEL: intOption({
    key: 'taskmanager.network.memory.buffers-per-channel',
    default: 2,
    min: 1,
    description: 'Exclusive buffers each input channel holds, announced to its sender as initial credit.',
  }),
  FLOATING_BUFFERS_PER_GATE: intOption({
    key: 'taskmanager.network.memory.floating-buffers-per-gate',
    default: 8,
    min: 0,
    description: 'Extra buffers shared by the channels of an input gate and lent to channels with backlog.',
  }),
  MAX_OVERDRAFT_BUFFERS: intOption({
    key: 'taskmanager.network.memory.max-overdraft-buffers-per-gate',
    default: 5,
    min: 0,
    description: 'Buffers a producing subtask may borrow beyond its pool to finish writing a record under backpressure.',
  }),
  HOST: stringOption({
    key: 'taskmanager.host',
    description:
      'Address at which the JobManager and other TaskManagers reach this TaskManager (advertised; on YARN the NodeManager host); defaults to 127.0.0.1.',
  }),
  BIND_HOST: stringOption({
    key: 'taskmanager.bind-host',
    description: "Address the TaskManager's RPC and data servers bind to (0.0.0.0 for every interface); defaults to taskmanager.host.",
  }),
} as const;

/**
 * `local`, or an `hdfs://` directory URI (`hdfs://namenode:8020/path`, or `hdfs:///path` on the
 * default file system); `local` in any case is accepted and returned as `local`.
 */
function checkBlockingStorage(value: string): string {
  if (value.toLowerCase() === 'local') return 'local';
  const m = /^hdfs:\/\/([^/]*)(\/.*)$/i.exec(value);
  if (m !== null && !/[\s?#]/.test(value)) return `hdfs://${m[1]}${m[2]}`;
  throw new Error(
    `expected 'local' or an hdfs:// directory URI such as hdfs://namenode:8020/spindle/shuffle (or hdfs:///spindle/shuffle on the default file system)`,
  );
}

/** Where BLOCKING result partitions of batch jobs are written. */
export const ShuffleOptions = {
  BLOCKING_STORAGE: checkedStringOption({
    key: 'shuffle.blocking.storage',
    default: 'local',
    check: checkBlockingStorage,
    description:
      "Storage of BLOCKING result partitions (batch exchanges): 'local' writes them to files under the TaskManager's io.tmp.dirs, served by that TaskManager until the job releases them; an hdfs:// directory URI publishes each finished partition to <dir>/<jobId>/, where consumers read it directly, so it survives the loss of the TaskManager that wrote it and its producer is not rerun.",
  }),
} as const;
