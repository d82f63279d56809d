export * from './external-sorter.js';
export * from './spill-files.js';
export * from './sort-keys.js';
