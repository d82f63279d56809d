import type { Socket } from 'node:net';
import type { Logger } from '@spindle/core';
import type { ProducerLink, ToConsumer, ToProducer } from '../channel-link.js';
import { encodeBufferPrefix, encodeFrame, FrameDecoder, type ShuffleFrame } from './frame-codec.js';
import { FrameWriter } from './frame-writer.js';
import { TcpLinkEnd } from './link-end.js';

/**
 * Called once per PartitionRequest with the link to serve the subpartition over; normally
 * `PartitionManager.servePartition`. It may connect the link later (when the partition
 * registers); credit that arrives meanwhile waits in the link. A throw fails that channel only.
 * `jobId` is the consumer's job when the client named it.
 */
export type ServePartition = (partitionId: string, subpartition: number, link: ProducerLink, jobId?: string) => void;

/** How long a connection closed for a protocol error may take to deliver the error frame. */
const PROTOCOL_ERROR_LINGER_MS = 1000;

/**
 * The producer's end of one subpartition requested over TCP. Buffers go out as Buffer frames,
 * events as Event frames, in the order sent;
 * their segments come back to the subpartition (`{t:'c', credit: 0, recycled}`) once written
 * to the socket, since the consumer's copy is its own. AddCredit frames become credit, and
 * CancelPartition or the loss of the connection becomes `{t:'x'}`.
 */
class ServerLink extends TcpLinkEnd<ToConsumer, ToProducer> {
  private done = false;

  constructor(
    private readonly connection: ServerConnection,
    readonly channelId: number,
  ) {
    super();
  }

  send(m: ToConsumer): void {
    if (m.t === 'b') {
      const data = m.data;
      const recycle = (): void => this.deliver({ t: 'c', credit: 0, recycled: [data] });
      if (this.done) queueMicrotask(recycle);
      else this.connection.writeBuffer(this.channelId, m.backlog, new Uint8Array(data, 0, m.length), recycle);
      return;
    }
    if (this.done) return;
    if (m.t === 'v') {
      this.connection.writeEvent(this.channelId, m.data);
      return;
    }
    this.done = true;
    this.connection.writeLast(
      this,
      m.t === 'e'
        ? { type: 'end-of-partition', channelId: this.channelId }
        : { type: 'error', channelId: this.channelId, message: m.message },
    );
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.connection.forget(this);
  }

  receive(m: ToProducer): void {
    if (m.t === 'x') this.done = true;
    this.deliver(m);
  }
}

/** One accepted connection of a ShuffleServer and the channels multiplexed over it. */
export class ServerConnection {
  private readonly links = new Map<number, ServerLink>();
  private readonly writer: FrameWriter;
  private readonly decoder: FrameDecoder;
  private readonly remote: string;
  private socketError: Error | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly serve: ServePartition,
    maxFrameLength: number,
    private readonly log: Logger,
    private readonly onClosed: (connection: ServerConnection) => void,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.writer = new FrameWriter(socket);
    this.decoder = new FrameDecoder((f) => this.onFrame(f), { maxFrameLength });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => (this.socketError = e));
    socket.on('close', () => this.teardown());
  }

  get channelCount(): number {
    return this.links.size;
  }

  writeBuffer(channelId: number, backlog: number, data: Uint8Array, written: () => void): void {
    this.writer.write(encodeBufferPrefix(channelId, backlog, data.byteLength), data, written);
  }

  writeEvent(channelId: number, data: ArrayBuffer): void {
    this.writer.write(encodeFrame({ type: 'event', channelId, data }));
  }

  /** Sends the channel's last frame (EndOfPartition or Error) and forgets the channel. */
  writeLast(link: ServerLink, frame: ShuffleFrame): void {
    this.forget(link);
    this.writer.write(encodeFrame(frame));
  }

  forget(link: ServerLink): void {
    if (this.links.get(link.channelId) === link) this.links.delete(link.channelId);
  }

  /** Closes the connection at once; its channels see their consumer go away. */
  destroy(): void {
    this.socket.destroy();
    this.teardown();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      this.protocolError(e instanceof Error ? e.message : String(e));
    }
  }

  private onFrame(f: ShuffleFrame): void {
    if (this.closed) return;
    switch (f.type) {
      case 'partition-request':
        return this.openChannel(f.channelId, f.partitionId, f.subpartition, f.initialCredit, f.jobId);
      case 'add-credit':
        this.links.get(f.channelId)?.receive({ t: 'c', credit: f.credit, recycled: [] });
        return;
      case 'cancel-partition':
        return this.cancelChannel(f.channelId);
      case 'close-request':
        this.socket.end(() => this.socket.destroy());
        this.teardown();
        return;
      default:
        this.protocolError(`a shuffle client sent an unexpected ${f.type} frame`);
    }
  }

  private openChannel(channelId: number, partitionId: string, subpartition: number, initialCredit: number, jobId?: string): void {
    if (channelId === 0 || this.links.has(channelId)) {
      this.writer.write(encodeFrame({ type: 'error', channelId, message: `channel id ${channelId} is already in use on this connection` }));
      return;
    }
    const link = new ServerLink(this, channelId);
    this.links.set(channelId, link);
    if (initialCredit > 0) link.receive({ t: 'c', credit: initialCredit, recycled: [] });
    try {
      this.serve(partitionId, subpartition, link, jobId);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      link.send({ t: 'f', message: `cannot serve subpartition ${subpartition} of partition ${partitionId}: ${reason}` });
    }
  }

  private cancelChannel(channelId: number): void {
    const link = this.links.get(channelId);
    if (!link) return;
    this.links.delete(channelId);
    link.receive({ t: 'x' });
  }

  /** Tells the client what was wrong (on channel 0), then closes the connection. */
  private protocolError(message: string): void {
    this.log.warn('closing a shuffle connection after a protocol error', { remote: this.remote, error: message });
    this.socket.end(encodeFrame({ type: 'error', channelId: 0, message: `shuffle server closed the connection: ${message}` }));
    setTimeout(() => this.socket.destroy(), PROTOCOL_ERROR_LINGER_MS).unref();
    this.teardown();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
    const links = [...this.links.values()];
    this.links.clear();
    for (const link of links) link.receive({ t: 'x' });
    if (this.socketError) this.log.info('shuffle connection failed', { remote: this.remote, error: this.socketError.message });
    this.onClosed(this);
  }
}
