export * from './ids.js';
export * from './errors.js';
export * from './failure-rendering.js';
export * from './logging.js';
export * from './clock.js';
export * from './config/config-option.js';
export * from './config/configuration.js';
export * from './config/load-configuration.js';
export { CONF_FILE_NAME, envVariableFor, type ConfigSourceKind } from './config/config-sources.js';
export { closestMatch, editDistance } from './config/edit-distance.js';
export { formatDuration, formatMemorySize, parseDuration, parseMemorySize, type RawValue } from './config/value-parsers.js';
export * from './config/options/core-options.js';
export * from './config/options/task-manager-options.js';
export * from './config/options/task-manager-memory-options.js';
export * from './config/options/resource-manager-options.js';
export * from './config/options/cluster-options.js';
export * from './config/options/mini-cluster-options.js';
export * from './serialization/data-output.js';
export * from './serialization/data-input.js';
export * from './serialization/type-serializer.js';
export * from './serialization/generic-serializer.js';
export * from './serialization/avro-serializer.js';
export * from './serialization/serializer-for.js';
export { keyHash, murmurMix, hashString } from './serialization/key-hash.js';
export { encodeKey, decodeKey, KeyMap, KEY_TYPES_SUPPORTED } from './serialization/key-codec.js';
export * from './serialization/key-groups.js';
export * from './config/options/deployment-options.js';
export { encodeMessage, encodeFailure, decodeFailure, decodeMessage } from './serialization/message-codec.js';
export * from './config/options/rest-options.js';
export * from './config/options/job-store-options.js';
export * from './config/options/web-options.js';
export * from './config/options/metrics-options.js';
export * from './fs/file-system.js';
export { LocalFileSystem } from './fs/local-file-system.js';
export {
  childPath,
  fileSystemFor,
  formatFsUri,
  parseFsUri,
  registerFileSystem,
  type FileSystemFactory,
  type FsUri,
} from './fs/file-systems.js';
export * from './config/options/checkpointing-options.js';
export { installSourceMappedStacks } from './source-mapped-stacks.js';
