import { booleanOption, durationOption } from '../config-option.js';

/** The web dashboard served by the JobManager (Flink's WebOptions). */
export const WebOptions = {
  SUBMIT_ENABLE: booleanOption({
    key: 'web.submit.enable',
    default: true,
    description:
      'Whether the dashboard offers to submit job bundles, and the /jars endpoints (upload, list, delete, run, plan) answer; when false they answer 403.',
  }),
  CANCEL_ENABLE: booleanOption({
    key: 'web.cancel.enable',
    default: true,
    description: 'Whether the dashboard offers to cancel jobs, and PATCH /jobs/:jobid cancels; when false it answers 403.',
  }),
  REFRESH_INTERVAL: durationOption({
    key: 'web.refresh-interval',
    default: 3000,
    min: 100,
    description: 'How often the dashboard polls the REST API for fresh figures.',
  }),
} as const;
