import { SpindleError, decodeMessage, encodeFailure, encodeMessage } from '@spindle/core';

/**
 * Resolves addresses to gateways. Contract of every transport: arguments, results and failures
 * travel in core's message codec (encodeMessage/decodeMessage), so a value arrives the same
 * in-process and across processes; every method of a gateway returns a promise and never throws
 * synchronously, also for a malformed address, a closed service or a value that cannot be sent.
 */
export interface RpcService {
  register(address: string, endpoint: object): void;
  unregister(address: string): void;
  connect<G extends object>(address: string): G;
  /** Idempotent; later calls through its gateways are rejected. */
  close(): Promise<void>;
}

type Endpoint = Record<string, (...a: unknown[]) => unknown>;

/**
 * The in-process transport. It calls the endpoint's method in a later microtask, with arguments
 * and results encoded and decoded by the message codec as the gRPC transport does, so that
 * components share no objects, never re-enter each other synchronously, and see exactly what
 * they would see across processes.
 */
export class LocalRpcService implements RpcService {
  private readonly endpoints = new Map<string, object>();
  private closed = false;

  register(address: string, endpoint: object): void {
    this.endpoints.set(address, endpoint);
  }

  unregister(address: string): void {
    this.endpoints.delete(address);
  }

  connect<G extends object>(address: string): G {
    return new Proxy({} as G, {
      get: (_target, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (...args: unknown[]) => this.invoke(address, method, args);
      },
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async invoke(address: string, method: string, args: unknown[]): Promise<unknown> {
    // Encoded at the time of the call: later changes by the caller do not reach the endpoint.
    const request = encodeMessage(args, 'args', `the arguments of ${method}`);
    await Promise.resolve();
    if (this.closed)
      throw new SpindleError(`cannot call ${method} on ${address}: the rpc service is closed`, {
        code: 'RPC_CLOSED',
        recoverability: 'environment',
      });
    const endpoint = this.endpoints.get(address) as Endpoint | undefined;
    if (!endpoint) throw new SpindleError(`no endpoint at ${address}`, { code: 'RPC_UNREACHABLE', recoverability: 'environment' });
    const fn = endpoint[method];
    if (typeof fn !== 'function') throw new SpindleError(`${address} has no method ${method}`, { code: 'RPC_NO_METHOD' });
    let response: Uint8Array;
    try {
      const result = await fn.apply(endpoint, decodeMessage(request) as unknown[]);
      response = encodeMessage(result, 'result', `the result of ${method}`);
    } catch (e) {
      response = encodeFailure(e);
      throw decodeMessage(response);
    }
    return decodeMessage(response);
  }
}
