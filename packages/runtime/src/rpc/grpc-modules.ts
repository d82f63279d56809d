import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
let grpcModule: typeof Grpc | undefined;
let protoLoaderModule: typeof ProtoLoader | undefined;

/**
 * grpc-js, loaded when the process first uses gRPC: a local `spindle run` (an embedded cluster)
 * never does, and skips loading it and protobufjs at start.
 */
export function grpc(): typeof Grpc {
  if (grpcModule === undefined) {
    grpcModule = require('@grpc/grpc-js') as typeof Grpc;
    // grpc-js writes its own diagnostics to stderr; failures reach callers as errors instead.
    if (process.env.GRPC_VERBOSITY === undefined) grpcModule.setLogVerbosity(grpcModule.logVerbosity.NONE);
  }
  return grpcModule;
}

/** @grpc/proto-loader, loaded with the first service definition. */
export function protoLoader(): typeof ProtoLoader {
  return (protoLoaderModule ??= require('@grpc/proto-loader') as typeof ProtoLoader);
}
