import { intOption } from '../config-option.js';

/** The embedded cluster used by `spindle run` without a cluster and by tests. */
export const MiniClusterOptions = {
  NUM_TASK_MANAGERS: intOption({
    key: 'minicluster.number-of-taskmanagers',
    default: 1,
    min: 1,
    deprecatedKeys: ['local.number-taskmanager'],
    description: 'Number of TaskManagers the mini-cluster starts.',
  }),
} as const;
