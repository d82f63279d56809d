export * from './states.js';
export * from './job-graph.js';
export * from './deployment.js';
export * from './proto-files.js';
export * from './checkpoints.js';
