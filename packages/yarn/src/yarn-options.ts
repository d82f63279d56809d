import { booleanOption, durationOption, intOption, memoryOption, stringOption } from '@spindle/core';

/** Deployment on YARN, with Flink's keys (YarnConfigOptions) where Flink has the concept. */
export const YarnOptions = {
  APPLICATION_ID: stringOption({
    key: 'yarn.application.id',
    description:
      'The YARN application of a session cluster that `run -t yarn-session` submits to; read from the properties file when unset.',
  }),
  APPLICATION_NAME: stringOption({
    key: 'yarn.application.name',
    default: 'Spindle session cluster',
    description: 'Name of the YARN application (`-nm`).',
  }),
  APPLICATION_QUEUE: stringOption({
    key: 'yarn.application.queue',
    default: 'default',
    description: 'YARN queue the application is submitted to (`-qu`).',
  }),
  APPLICATION_TYPE: stringOption({
    key: 'yarn.application.type',
    default: 'Spindle',
    description: 'Application type shown by YARN.',
  }),
  TAGS: stringOption({
    key: 'yarn.tags',
    default: '',
    description: 'Comma-separated tags of the YARN application, for finding it (orchestrators).',
  }),
  APPLICATION_ATTEMPTS: intOption({
    key: 'yarn.application-attempts',
    default: 1,
    min: 1,
    description: 'How many AppMaster attempts YARN makes.',
  }),
  JOB_MANAGER_MEMORY: memoryOption({
    key: 'jobmanager.memory.process.size',
    default: 1024 * 1024 * 1024,
    min: 128 * 1024 * 1024,
    description: "Memory of the JobManager's process, the AppMaster container's size on YARN (`-jm`).",
  }),
  NODE_COMMAND: stringOption({
    key: 'yarn.node.command',
    default: 'node',
    description: 'The Node.js command on the NodeManagers, found through the PATH the containers are given.',
  }),
  SHIP_NODE: booleanOption({
    key: 'yarn.ship-node',
    default: false,
    description:
      "Ship the client's Node.js binary with the application (an archive every container unpacks) instead of running `yarn.node.command` of the NodeManagers.",
  }),
  PROVIDED_LIB_DIRS: stringOption({
    key: 'yarn.provided.lib.dirs',
    description:
      "A directory (e.g. hdfs:///spindle/engines) where the engine archive is kept for every application to reuse: uploaded there once per engine build, then localized from there. Unset: uploaded into each application's staging directory.",
  }),
  HEARTBEAT_INTERVAL: durationOption({
    key: 'yarn.heartbeat.interval',
    default: 5000,
    min: 1,
    description: "Interval of the AppMaster's allocate heartbeats to the ResourceManager when no container is asked for.",
  }),
  CONTAINER_REQUEST_HEARTBEAT_INTERVAL: durationOption({
    key: 'yarn.heartbeat.container-request-interval',
    default: 500,
    min: 1,
    description: 'Interval of the allocate heartbeats while containers are asked for.',
  }),
  PROPERTIES_FILE_LOCATION: stringOption({
    key: 'yarn.properties-file.location',
    description: 'Directory of the `.yarn-properties-<user>` file that names the session; the temp directory when unset.',
  }),
} as const;
