import { SpindleError } from '@spindle/core';
import type { ConsumerLink } from '../channel-link.js';
import { ClientConnection } from './client-connection.js';
import { DEFAULT_MAX_FRAME_LENGTH } from './frame-codec.js';
import type { ShuffleAddress } from './shuffle-server.js';

export { ShuffleConnectionError } from './client-connection.js';

export interface ShuffleClientOptions {
  /** Largest frame accepted from a server; default 256 MiB. */
  maxFrameLength?: number;
  /** How long connecting to a server may take; default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * The consumer side of the TCP shuffle (Flink's connection manager and partition request
 * client): one connection per server address, opened on first use and shared by every channel
 * that consumes a partition there. A connection that breaks is forgotten, so the next request
 * to that address connects anew.
 */
export class ShuffleClient {
  private readonly connections = new Map<string, ClientConnection>();
  private readonly maxFrameLength: number;
  private readonly connectTimeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: ShuffleClientOptions = {}) {
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /**
   * Requests subpartition `subpartition` of partition `partitionId` from the server at
   * `address`. Resolves once the request is on its way (the server waits for a partition that
   * is not registered yet); rejects with a ShuffleConnectionError naming `host:port` when the
   * server cannot be reached. `initialCredit` is credit granted with the request itself;
   * InputChannels announce theirs on connect, so it is normally 0. `jobId`, the consumer's job,
   * lets the server release a request that waits when that job ends there.
   */
  async request(
    address: ShuffleAddress,
    partitionId: string,
    subpartition: number,
    initialCredit = 0,
    jobId?: string,
  ): Promise<ConsumerLink> {
    const connection = this.connectionTo(address);
    await connection.ready;
    return connection.open(partitionId, subpartition, initialCredit, jobId);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every connection; channels still open fail. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.connections.values()].map((c) => c.close('the shuffle client was closed'))).then(() => undefined);
    return this.closing;
  }

  private connectionTo(address: ShuffleAddress): ClientConnection {
    if (this.closing) throw new SpindleError('the shuffle client is closed', { code: 'SHUFFLE_CLIENT_CLOSED' });
    const key = `${address.host}:${address.port}`;
    const existing = this.connections.get(key);
    if (existing?.isOpen) return existing;
    const options = { maxFrameLength: this.maxFrameLength, connectTimeoutMs: this.connectTimeoutMs };
    const connection = new ClientConnection(address, options, (c) => {
      if (this.connections.get(key) === c) this.connections.delete(key);
    });
    this.connections.set(key, connection);
    return connection;
  }
}
