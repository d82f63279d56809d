import type * as Grpc from '@grpc/grpc-js';
import { grpc } from './grpc-modules.js';
import { SpindleError } from '@spindle/core';

/** grpc-js's default limit on a received message (grpc.max_receive_message_length). */
export const GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The error a failed gRPC call to `target` (an rpc address or host:port) rejects with, named by
 * its real cause: an oversized message is not an unreachable peer, and a deadline is not either.
 */
export function grpcCallError(target: string, e: Grpc.ServiceError): SpindleError {
  const details = e.details || e.message;
  switch (e.code) {
    case grpc().status.RESOURCE_EXHAUSTED: {
      const sizes = /larger than max \((\d+) vs\.? (\d+)\)/.exec(details);
      const size = sizes ? `${sizes[1]} bytes, ` : '';
      const limit = Number(sizes?.[2] ?? GRPC_MAX_MESSAGE_BYTES);
      return new SpindleError(
        `a message of the call to ${target} is larger than gRPC's limit of ${formatMiB(limit)} (${size}limit ${limit} bytes): ${details}`,
        { code: 'RPC_MESSAGE_TOO_LARGE', recoverability: 'non-recoverable', cause: e },
      );
    }
    case grpc().status.DEADLINE_EXCEEDED:
      return new SpindleError(`${target} did not answer before the call's deadline: ${details}`, {
        code: 'RPC_TIMEOUT',
        recoverability: 'environment',
        cause: e,
      });
    case grpc().status.UNAVAILABLE:
      return new SpindleError(`cannot reach ${target}: ${details}`, { code: 'RPC_UNREACHABLE', recoverability: 'environment', cause: e });
    default:
      return new SpindleError(`the call to ${target} failed (${grpc().status[e.code] ?? e.code}): ${details}`, {
        code: 'RPC_FAILED',
        recoverability: 'environment',
        cause: e,
      });
  }
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
