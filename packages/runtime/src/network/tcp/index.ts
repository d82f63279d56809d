export * from './frame-codec.js';
export * from './shuffle-server.js';
export * from './shuffle-client.js';
