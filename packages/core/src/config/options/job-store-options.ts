import { intOption } from '../config-option.js';

/** How long and how many finished jobs the Dispatcher keeps (Flink's JobManagerOptions jobstore.*). */
export const JobStoreOptions = {
  MAX_CAPACITY: intOption({
    key: 'jobstore.max-capacity',
    default: 2_147_483_647,
    min: 0,
    description: 'Finished jobs the Dispatcher keeps for queries; beyond it the oldest are dropped. Unbounded by default.',
  }),
  EXPIRATION_TIME: intOption({
    key: 'jobstore.expiration-time',
    default: 3600,
    min: 0,
    description: 'Seconds a finished job is kept for queries after it ended.',
  }),
};
