import { durationOption, intOption } from '../config-option.js';

/**
 * Plan-mode runs of uploaded programs (`POST /jars/:jarid/run`). Flink runs a jar's main on the
 * JobManager without limits; Spindle runs each main in a worker thread of its own, a bounded
 * number at a time and for a bounded time, so that no request can hang or starve the JobManager.
 */
export const RestOptions = {
  JAR_RUN_TIMEOUT: durationOption({
    key: 'rest.jar-run.timeout',
    default: 60_000,
    min: 1,
    description:
      "Longest time a program's main may run in plan mode for POST /jars/:jarid/run before it has built its job; " +
      'the run is then stopped and the request answered 400.',
  }),
  JAR_RUN_MAX_CONCURRENT: intOption({
    key: 'rest.jar-run.max-concurrent',
    default: 4,
    min: 1,
    description: 'Programs run in plan mode at the same time (one worker thread each); further runs wait in a queue.',
  }),
  JAR_RUN_MAX_QUEUED: intOption({
    key: 'rest.jar-run.max-queued',
    default: 200,
    min: 0,
    description: 'Runs that may wait for a free plan-mode worker; beyond it POST /jars/:jarid/run is answered 503.',
  }),
};
