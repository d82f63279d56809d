import net from 'node:net';
import { SpindleError, getLogger } from '@spindle/core';
import { DEFAULT_MAX_FRAME_LENGTH } from './frame-codec.js';
import { ServerConnection, type ServePartition } from './server-connection.js';

export type { ServePartition } from './server-connection.js';

/** Where a ShuffleServer listens, as consumers must be told. */
export interface ShuffleAddress {
  host: string;
  port: number;
}

export interface ShuffleServerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0, an ephemeral port (see `start()`). */
  port?: number;
  /** Largest frame accepted from a client; default 256 MiB. */
  maxFrameLength?: number;
  /**
   * Bytes a connection may hold unsent before it stops writing until the socket drains;
   * default 1 MiB. Segments held there count against the producer's buffer pool.
   */
  sendBufferBytes?: number;
}

const DEFAULT_SEND_BUFFER_BYTES = 1024 * 1024;

/**
 * The producer side of the TCP shuffle (Flink's Netty server): accepts connections from the
 * ShuffleClients of consuming TaskManagers and, for every PartitionRequest, hands `serve` a
 * ProducerLink that speaks the frame protocol of `frame-codec.ts` with credit-based flow control.
 *
 * `start()` binds and resolves the port; `close()` stops listening and drops every connection,
 * which the served subpartitions see as their consumer going away. Both are idempotent.
 */
export class ShuffleServer {
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly maxFrameLength: number;
  private readonly sendBufferBytes: number;
  private readonly connections = new Set<ServerConnection>();
  private readonly log = getLogger('shuffle-server');
  private server: net.Server | undefined;
  private starting: Promise<number> | undefined;
  private closing: Promise<void> | undefined;
  private boundPort: number | undefined;

  constructor(
    private readonly serve: ServePartition,
    options: ShuffleServerOptions = {},
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.sendBufferBytes = options.sendBufferBytes ?? DEFAULT_SEND_BUFFER_BYTES;
  }

  /** Listens; resolves the bound port. */
  start(): Promise<number> {
    if (this.closing) return Promise.reject(new SpindleError('the shuffle server is closed', { code: 'SHUFFLE_SERVER_CLOSED' }));
    this.starting ??= this.listen();
    return this.starting;
  }

  /** The address consumers connect to; only once `start()` resolved. */
  get address(): ShuffleAddress {
    if (this.boundPort === undefined) throw new SpindleError('the shuffle server is not listening', { code: 'SHUFFLE_SERVER_NOT_STARTED' });
    return { host: this.host, port: this.boundPort };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Subpartitions currently served, over all connections. */
  get channelCount(): number {
    let n = 0;
    for (const c of this.connections) n += c.channelCount;
    return n;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private listen(): Promise<number> {
    const server = net.createServer({ noDelay: true, highWaterMark: this.sendBufferBytes }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const where = `${this.host}:${this.requestedPort}`;
        reject(
          new SpindleError(`shuffle server cannot listen on ${where} (${e.code ?? e.message})`, {
            code: 'SHUFFLE_LISTEN_FAILED',
            recoverability: 'environment',
            cause: e,
          }),
        );
      });
      server.listen(this.requestedPort, this.host, () => {
        this.boundPort = (server.address() as net.AddressInfo).port;
        this.log.info('shuffle server listening', { host: this.host, port: this.boundPort });
        resolve(this.boundPort);
      });
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, this.serve, this.maxFrameLength, this.log, (c) => this.connections.delete(c));
    this.connections.add(connection);
  }

  private async shutDown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const server = this.server;
    for (const c of [...this.connections]) c.destroy();
    if (!server?.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
