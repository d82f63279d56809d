export * from './descriptors.js';
export * from './state-types.js';
export * from './state-ttl-config.js';
export { type StateErrorCode } from './state-errors.js';
export { HeapKeyedStateBackend, type KeyedStateBackendOptions } from './heap-keyed-state-backend.js';
export { KEYED_SNAPSHOT_VERSION } from './keyed-snapshot-format.js';
export type { InternalTimer } from './timer-queue.js';
export * from './internal-timer-service.js';
export * from './processing-time-service.js';
