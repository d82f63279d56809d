export * from './metric-names.js';
export * from './prometheus.js';
export * from './rate-window.js';
export * from './runtime-sampler.js';
export * from './thread-dump.js';
