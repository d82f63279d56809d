import net from 'node:net';
import { SpindleError } from '@spindle/core';
import type { ToConsumer, ToProducer } from '../channel-link.js';
import { encodeFrame, FrameDecoder, type ShuffleFrame } from './frame-codec.js';
import { FrameWriter } from './frame-writer.js';
import { TcpLinkEnd } from './link-end.js';
import type { ShuffleAddress } from './shuffle-server.js';

/** A shuffle server that cannot be reached, or a connection to one that broke. */
export class ShuffleConnectionError extends SpindleError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'SHUFFLE_CONNECTION', recoverability: 'partition-data-missing', cause });
    this.name = 'ShuffleConnectionError';
  }
}

const MAX_CHANNEL_ID = 0xffffffff;

/**
 * The consumer's end of one subpartition requested over TCP. Credit goes out as AddCredit
 * (recycled segments stay here: the consumer's buffers are its own), `{t:'x'}` as
 * CancelPartition. The channel is over after EndOfPartition, an Error, or a cancel.
 */
class ClientLink extends TcpLinkEnd<ToProducer, ToConsumer> {
  private active = true;

  constructor(
    private readonly connection: ClientConnection,
    readonly channelId: number,
  ) {
    super();
  }

  send(m: ToProducer): void {
    if (!this.active) return;
    if (m.t === 'c') {
      if (m.credit > 0) this.connection.write({ type: 'add-credit', channelId: this.channelId, credit: m.credit });
      return;
    }
    this.close();
  }

  close(): void {
    if (!this.active) return;
    this.active = false;
    this.connection.cancel(this.channelId);
  }

  receive(m: ToConsumer): void {
    if (m.t === 'e' || m.t === 'f') this.active = false;
    this.deliver(m);
  }
}

export interface ClientConnectionOptions {
  maxFrameLength: number;
  connectTimeoutMs: number;
}

/**
 * One TCP connection from a ShuffleClient to a ShuffleServer, shared by every channel that
 * consumes a partition there; frames are told apart by channel id. When the connection breaks,
 * every open channel receives `{t:'f'}` with a message that names the server.
 */
export class ClientConnection {
  /** Resolves once connected; rejects with a ShuffleConnectionError when the server cannot be reached. */
  readonly ready: Promise<void>;
  private readonly socket: net.Socket;
  private readonly writer: FrameWriter;
  private readonly decoder: FrameDecoder;
  private readonly channels = new Map<number, ClientLink>();
  private readonly where: string;
  private nextChannelId = 1;
  private connected = false;
  private closed = false;
  private failure: string | undefined;
  private socketError: NodeJS.ErrnoException | undefined;
  private rejectReady: ((e: Error) => void) | undefined;

  constructor(
    address: ShuffleAddress,
    options: ClientConnectionOptions,
    private readonly onClosed: (connection: ClientConnection) => void,
  ) {
    this.where = `${address.host}:${address.port}`;
    this.socket = net.connect({ host: address.host, port: address.port, noDelay: true });
    this.writer = new FrameWriter(this.socket);
    this.decoder = new FrameDecoder((f) => this.onFrame(f), { maxFrameLength: options.maxFrameLength });
    this.ready = new Promise((resolve, reject) => {
      this.rejectReady = reject;
      this.socket.once('connect', () => {
        this.connected = true;
        this.socket.setTimeout(0);
        resolve();
      });
    });
    this.ready.catch(() => undefined);
    this.socket.setTimeout(options.connectTimeoutMs, () =>
      this.socket.destroy(new Error(`timed out after ${options.connectTimeoutMs} ms`)),
    );
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => (this.socketError = e));
    this.socket.on('close', () => this.onClose());
  }

  get isOpen(): boolean {
    return this.failure === undefined;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Sends a PartitionRequest; the link receives what the server sends for it. */
  open(partitionId: string, subpartition: number, initialCredit: number, jobId?: string): ClientLink {
    if (this.failure !== undefined) throw new ShuffleConnectionError(this.failure);
    const channelId = this.allocateChannelId();
    const link = new ClientLink(this, channelId);
    this.channels.set(channelId, link);
    this.write({ type: 'partition-request', channelId, partitionId, subpartition, initialCredit, ...(jobId ? { jobId } : {}) });
    return link;
  }

  write(frame: ShuffleFrame): void {
    this.writer.write(encodeFrame(frame));
  }

  cancel(channelId: number): void {
    if (!this.channels.delete(channelId)) return;
    this.write({ type: 'cancel-partition', channelId });
  }

  /** Asks the server to close, then closes; open channels fail with `reason`. */
  close(reason: string): Promise<void> {
    if (this.failure === undefined) {
      this.failure = reason;
      const end = (): void => void this.socket.end(() => this.socket.destroy());
      if (this.connected) this.writer.write(encodeFrame({ type: 'close-request' }), undefined, end);
      else this.socket.destroy();
    }
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  private allocateChannelId(): number {
    while (this.channels.has(this.nextChannelId)) this.nextChannelId = (this.nextChannelId % MAX_CHANNEL_ID) + 1;
    const id = this.nextChannelId;
    this.nextChannelId = (id % MAX_CHANNEL_ID) + 1;
    return id;
  }

  private onData(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      this.fail(`corrupt data from shuffle server ${this.where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private onFrame(f: ShuffleFrame): void {
    if (this.failure !== undefined) return;
    switch (f.type) {
      case 'buffer':
        this.channels.get(f.channelId)?.receive({ t: 'b', data: f.data, length: f.data.byteLength, backlog: f.backlog });
        return;
      case 'event':
        this.channels.get(f.channelId)?.receive({ t: 'v', data: f.data });
        return;
      case 'end-of-partition':
        return this.finish(f.channelId, { t: 'e' });
      case 'error':
        if (f.channelId === 0) return this.fail(`shuffle server ${this.where} reported: ${f.message}`);
        return this.finish(f.channelId, { t: 'f', message: f.message });
      default:
        this.fail(`shuffle server ${this.where} sent an unexpected ${f.type} frame`);
    }
  }

  private finish(channelId: number, last: ToConsumer): void {
    const link = this.channels.get(channelId);
    if (!link) return;
    this.channels.delete(channelId);
    link.receive(last);
  }

  /** Fails every open channel and closes the connection. */
  private fail(message: string): void {
    if (this.failure === undefined) this.failure = message;
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
    this.failure ??= this.lostMessage();
    if (!this.connected) this.rejectReady?.(new ShuffleConnectionError(this.unreachableMessage(), this.socketError));
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const link of channels) link.receive({ t: 'f', message: this.failure });
    this.onClosed(this);
  }

  private lostMessage(): string {
    const why = this.socketError ? (this.socketError.code ?? this.socketError.message) : 'closed by the server';
    return `connection to shuffle server ${this.where} lost (${why})`;
  }

  private unreachableMessage(): string {
    const why = this.socketError ? (this.socketError.code ?? this.socketError.message) : (this.failure ?? 'closed');
    return `cannot connect to shuffle server ${this.where} (${why})`;
  }
}
