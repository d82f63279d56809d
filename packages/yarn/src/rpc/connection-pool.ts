/**
 * Reuses one authenticated connection per (address, protocol, token): calls to the same NodeManager
 * with the same NM token share a socket; a closed connection is replaced on the next call. Opening
 * is deduplicated, so concurrent first calls open one connection.
 */
import type { HadoopToken } from '../tokens/credentials.js';
import { HadoopRpcConnection, type ProtocolInfo, type RpcConnectionOptions } from './connection.js';

export interface ConnectionPoolOptions {
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

export class HadoopRpcConnectionPool {
  private readonly connections = new Map<string, Promise<HadoopRpcConnection>>();
  private closed = false;

  constructor(private readonly options: ConnectionPoolOptions = {}) {}

  async get(host: string, port: number, protocol: ProtocolInfo, token: HadoopToken): Promise<HadoopRpcConnection> {
    if (this.closed) throw new Error('the Hadoop RPC connection pool is closed');
    const key = `${host}:${port}|${protocol.name}|${token.identifier.toString('base64')}|${token.password.toString('base64')}`;
    const existing = this.connections.get(key);
    if (existing !== undefined) {
      const conn = await existing; // a failed open fails everyone waiting for it
      if (!conn.isClosed) return conn;
      if (this.connections.get(key) === existing) this.connections.delete(key);
      return this.get(host, port, protocol, token);
    }
    const opts: RpcConnectionOptions = { host, port, protocol, token, ...this.options };
    const opening = HadoopRpcConnection.open(opts);
    this.connections.set(key, opening);
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    return opening;
  }

  /** Idempotent: closes every connection. */
  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) void c.then((conn) => conn.close()).catch(() => undefined);
    this.connections.clear();
  }
}
