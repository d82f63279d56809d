/**
 * What operators and user programs need of the runtime, and no more: the operator interfaces and
 * base class, stream elements, keyed and operator state with timers, the external sorter and the
 * program context. The user API (@spindle/datastream) and therefore every job bundle import this
 * entry, so a slot's worker thread loads the task side only, not the JobManager's components
 * (dispatcher, job master, scheduler, resource manager) or the MiniCluster. `in-process` adds those.
 */
export * from './network/stream-elements.js';
export * from './tasks/operator.js';
export * from './tasks/abstract-stream-operator.js';
export * from './program/program-context.js';
export * from './state/index.js';
export * from './sort/index.js';
