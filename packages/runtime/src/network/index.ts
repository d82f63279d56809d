export * from './buffer-pool.js';
export * from './channel-link.js';
export * from './subpartition.js';
export * from './result-partition.js';
export * from './input-gate.js';
export * from './partition-manager.js';
export * from './tcp/index.js';
