export * from './in-process.js';
export * from './rpc/grpc-rpc-service.js';
export * from './rpc/grpc-blob-service.js';
