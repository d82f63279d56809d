import { SpindleError } from '@spindle/core';

/**
 * Resolves addresses to gateways. The in-process transport calls the endpoint's methods in a
 * later microtask with structured-cloned arguments and results, so that components share no
 * objects and never re-enter each other synchronously, as they would not across processes.
 */
export interface RpcService {
  register(address: string, endpoint: object): void;
  unregister(address: string): void;
  connect<G extends object>(address: string): G;
}

export class LocalRpcService implements RpcService {
  private readonly endpoints = new Map<string, object>();

  register(address: string, endpoint: object): void {
    this.endpoints.set(address, endpoint);
  }

  unregister(address: string): void {
    this.endpoints.delete(address);
  }

  connect<G extends object>(address: string): G {
    const endpoints = this.endpoints;
    return new Proxy({} as G, {
      get(_target, method) {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return async (...args: unknown[]) => {
          await Promise.resolve();
          const endpoint = endpoints.get(address) as Record<string, (...a: unknown[]) => unknown> | undefined;
          if (!endpoint) {
            throw new SpindleError(`no endpoint at ${address}`, { code: 'RPC_UNREACHABLE', recoverability: 'environment' });
          }
          const fn = endpoint[method];
          if (typeof fn !== 'function') throw new SpindleError(`${address} has no method ${method}`, { code: 'RPC_NO_METHOD' });
          const result = await fn.apply(endpoint, structuredClone(args));
          return result === undefined ? undefined : structuredClone(result);
        };
      },
    });
  }
}
