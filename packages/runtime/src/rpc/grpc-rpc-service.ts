import path from 'node:path';
import type * as Grpc from '@grpc/grpc-js';
import { grpc, protoLoader } from './grpc-modules.js';
import { SpindleError, decodeFailure, decodeMessage, encodeFailure, encodeMessage, getLogger } from '@spindle/core';
import { GATEWAY_SERVICES, PROTO_DIR, type GatewayKind } from '@spindle/protocol';
import { grpcCallError } from './grpc-errors.js';
import type { RpcService } from './rpc-service.js';

/**
 * Addresses look like `<kind>@<host>:<port>/<name>`, e.g. `jobmaster@127.0.0.1:6123/jobmaster/<jobId>`:
 * the gateway kind picks the gRPC service, host:port the process, name the endpoint in it.
 */
export interface ParsedAddress {
  kind: GatewayKind;
  hostPort: string;
  name: string;
}

export function parseRpcAddress(address: string): ParsedAddress {
  const m = /^([a-z]+)@([^/]+)\/(.+)$/.exec(address);
  if (!m || !(m[1]! in GATEWAY_SERVICES)) {
    throw new SpindleError(`'${address}' is not an rpc address (<kind>@<host>:<port>/<name>)`, { code: 'RPC_BAD_ADDRESS' });
  }
  return { kind: m[1] as GatewayKind, hostPort: m[2]!, name: m[3]! };
}

interface Invocation {
  args: Uint8Array;
  fencing_token: string;
  cluster_id: string;
}

interface InvocationResult {
  result: Uint8Array;
  failure: Uint8Array;
}

type UnaryClient = Grpc.Client &
  Record<
    string,
    (req: Invocation, md: Grpc.Metadata, opts: Grpc.CallOptions, cb: (e: Grpc.ServiceError | null, r?: InvocationResult) => void) => void
  >;

const ENDPOINT_HEADER = 'x-spindle-endpoint';
const EMPTY = new Uint8Array(0);

function loadServices(): Record<GatewayKind, Grpc.ServiceClientConstructor> {
  const out = {} as Record<GatewayKind, Grpc.ServiceClientConstructor>;
  for (const [kind, { file, service }] of Object.entries(GATEWAY_SERVICES) as Array<[GatewayKind, { file: string; service: string }]>) {
    const def = protoLoader().loadSync(path.join(PROTO_DIR, file), { keepCase: true, defaults: true, includeDirs: [PROTO_DIR] });
    const pkg = grpc().loadPackageDefinition(def) as unknown as { spindle: { rpc: Record<string, Grpc.ServiceClientConstructor> } };
    out[kind] = pkg.spindle.rpc[service]!;
  }
  return out;
}

export interface GrpcRpcServiceOptions {
  /** Address to bind (loopback, one of the host's addresses, or 0.0.0.0 for all). */
  host: string;
  /** Address other processes reach this one at, in the endpoint addresses it hands out; default `host`. */
  advertisedHost?: string;
  /** 0 picks a free port. */
  port: number;
  /** Calls from another cluster are rejected. */
  clusterId: string;
  /** Deadline of heartbeat calls (other calls may wait long, e.g. for a slot); default 10 s. */
  heartbeatDeadlineMs?: number;
}

/**
 * The gRPC transport of the gateways: one server per process hosting any number of endpoints,
 * and cached clients per remote process. Arguments, results and failures travel in core's message
 * codec, as with the in-process transport; a failure keeps its code and recoverability.
 */
export class GrpcRpcService implements RpcService {
  private readonly services = loadServices();
  private readonly server = new (grpc().Server)();
  private readonly endpoints = new Map<string, object>();
  private readonly clients = new Map<string, UnaryClient>();
  private readonly log = getLogger('rpc');
  private boundPort = 0;
  private closed = false;

  constructor(private readonly options: GrpcRpcServiceOptions) {}

  async start(): Promise<number> {
    for (const kind of Object.keys(this.services) as GatewayKind[]) {
      const service = this.services[kind].service;
      const handlers: Grpc.UntypedServiceImplementation = {};
      for (const method of Object.keys(service)) handlers[method] = this.handler(kind, method);
      this.server.addService(service, handlers);
    }
    this.boundPort = await new Promise<number>((resolve, reject) => {
      const where = `${this.options.host}:${this.options.port}`;
      this.server.bindAsync(where, grpc().ServerCredentials.createInsecure(), (e, port) => {
        if (!e) resolve(port);
        else {
          const inUse = /EADDRINUSE/.test(e.message) ? ': the port is in use by another process' : `: ${e.message}`;
          reject(
            new SpindleError(`cannot listen for rpc on ${where}${inUse}`, {
              code: 'RPC_BIND',
              userFacing: true,
              recoverability: 'environment',
            }),
          );
        }
      });
    });
    return this.boundPort;
  }

  /** Hosts another gRPC service on this server's port (the blob service); call before `start()`. */
  addService(service: Grpc.ServiceDefinition, implementation: Grpc.UntypedServiceImplementation): void {
    this.server.addService(service, implementation);
  }

  get port(): number {
    return this.boundPort;
  }

  /** The address of an endpoint of this process. */
  address(kind: GatewayKind, name: string): string {
    return `${kind}@${this.options.advertisedHost ?? this.options.host}:${this.boundPort}/${name}`;
  }

  register(address: string, endpoint: object): void {
    this.endpoints.set(parseRpcAddress(address).name, endpoint);
  }

  unregister(address: string): void {
    this.endpoints.delete(parseRpcAddress(address).name);
  }

  /** A malformed address is reported by every call through the gateway, as a rejected promise. */
  connect<G extends object>(address: string): G {
    return new Proxy({} as G, {
      get: (_t, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return async (...args: unknown[]) => this.invoke(parseRpcAddress(address), address, method, args);
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private client(target: ParsedAddress): UnaryClient {
    const key = `${target.kind}@${target.hostPort}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new this.services[target.kind](target.hostPort, grpc().credentials.createInsecure()) as unknown as UnaryClient;
      this.clients.set(key, client);
    }
    return client;
  }

  /** May throw synchronously; connect() turns that into a rejected promise. */
  private invoke(target: ParsedAddress, address: string, method: string, args: unknown[]): Promise<unknown> {
    if (this.closed)
      throw new SpindleError(`cannot call ${method} on ${address}: the rpc service is closed`, {
        code: 'RPC_CLOSED',
        recoverability: 'environment',
      });
    const request: Invocation = {
      args: encodeMessage(args, 'args', `the arguments of ${method}`),
      fencing_token: '',
      cluster_id: this.options.clusterId,
    };
    const client = this.client(target);
    const call = client[method];
    if (typeof call !== 'function') throw new SpindleError(`${target.kind} has no method ${method}`, { code: 'RPC_NO_METHOD' });
    const md = new (grpc().Metadata)();
    md.set(ENDPOINT_HEADER, target.name);
    const options: Grpc.CallOptions = method.startsWith('heartbeat')
      ? { deadline: Date.now() + (this.options.heartbeatDeadlineMs ?? 10_000) }
      : {};
    return new Promise<InvocationResult>((resolve, reject) => {
      call.call(client, request, md, options, (e, r) => {
        if (e) reject(grpcCallError(address, e));
        else resolve(r!);
      });
    }).then((r) => {
      if (r.failure.length > 0) throw decodeFailure(r.failure);
      return decodeMessage(r.result);
    });
  }

  private handler(kind: GatewayKind, method: string): Grpc.handleUnaryCall<Invocation, InvocationResult> {
    return (call, callback) => {
      void this.dispatch(kind, method, call)
        .then((result) => encodeMessage(result, 'result', `the result of ${method}`))
        .then(
          (result) => callback(null, { result, failure: EMPTY }),
          (e: unknown) => callback(null, { result: EMPTY, failure: encodeFailure(e) }),
        );
    };
  }

  private async dispatch(kind: GatewayKind, method: string, call: Grpc.ServerUnaryCall<Invocation, InvocationResult>): Promise<unknown> {
    const request = call.request;
    if (request.cluster_id && request.cluster_id !== this.options.clusterId) {
      throw new SpindleError(
        `rejected a call from cluster '${request.cluster_id}': this is cluster '${this.options.clusterId}' ` +
          '(check high-availability.cluster-id and the JobManager address the TaskManager was given)',
        { code: 'CLUSTER_ID_MISMATCH', userFacing: true, recoverability: 'non-recoverable' },
      );
    }
    const name = String(call.metadata.get(ENDPOINT_HEADER)[0] ?? '');
    const endpoint = this.endpoints.get(name) as Record<string, (...a: unknown[]) => unknown> | undefined;
    if (!endpoint) throw new SpindleError(`no ${kind} endpoint '${name}' here`, { code: 'RPC_NO_ENDPOINT', recoverability: 'environment' });
    const fn = endpoint[method];
    if (typeof fn !== 'function') throw new SpindleError(`${kind} endpoint '${name}' has no method ${method}`, { code: 'RPC_NO_METHOD' });
    this.log.debug('rpc call', { kind, endpoint: name, method });
    return fn.apply(endpoint, decodeMessage(request.args) as unknown[]);
  }
}
