export * from './testing-cluster-view.js';
export * from './testing-jar-runner.js';
export * from './sample-data.js';
export * from './wire-shapes.js';
export type * from './wire-types.js';
