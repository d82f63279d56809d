import type { MessagePort } from 'node:worker_threads';

/**
 * The wire between the sender of one subpartition and the input channel that consumes it.
 *
 * Messages towards the consumer: a buffer (`b`) carrying stream elements and the sender's
 * backlog, a serialized event (`v`, e.g. a checkpoint barrier), the end-of-partition event (`e`),
 * or a failure of the producer (`f`). Towards the producer: credit (`c`), which may carry
 * segments to recycle, and `x` when the consumer goes away. Delivery is in order and never
 * synchronous with `send()`, whatever the transport.
 */
export type ToConsumer =
  { t: 'b'; data: ArrayBuffer; length: number; backlog: number } | { t: 'v'; data: ArrayBuffer } | { t: 'e' } | { t: 'f'; message: string };
export type ToProducer = { t: 'c'; credit: number; recycled: ArrayBuffer[] } | { t: 'x' };

export interface ChannelLink<Out, In> {
  send(message: Out, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: In) => void): void;
  close(): void;
  /** True when both ends share one thread, so segments need not be moved. */
  readonly sameThread: boolean;
}

export type ProducerLink = ChannelLink<ToConsumer, ToProducer>;
export type ConsumerLink = ChannelLink<ToProducer, ToConsumer>;

/**
 * The receiving half of a link end: incoming messages reach the handler in order, in a later
 * microtask (never within the sender's `send()`), and are kept until a handler is set.
 */
export abstract class QueuedLinkEnd<Out, In> implements ChannelLink<Out, In> {
  abstract readonly sameThread: boolean;
  private handler: ((m: In) => void) | undefined;
  private inbox: In[] = [];
  private scheduled = false;
  /** Set when nothing more may be handed to the handler. */
  protected stopped = false;

  abstract send(message: Out, transfer?: ArrayBuffer[]): void;
  abstract close(): void;

  onMessage(handler: (message: In) => void): void {
    this.handler = handler;
    this.schedule();
  }

  protected deliver(message: In): void {
    this.inbox.push(message);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.handler || this.inbox.length === 0) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const handler = this.handler!;
    const batch = this.inbox;
    this.inbox = [];
    for (const m of batch) {
      if (this.stopped) return;
      handler(m);
    }
  }
}

/** Both ends in one thread. */
class DirectEnd<Out, In> extends QueuedLinkEnd<Out, In> {
  peer!: DirectEnd<In, Out>;
  readonly sameThread = true;

  send(message: Out): void {
    if (!this.stopped) this.peer.deliver(message);
  }

  close(): void {
    this.stopped = true;
  }
}

export function directLinkPair(): { producer: ProducerLink; consumer: ConsumerLink } {
  const producer = new DirectEnd<ToConsumer, ToProducer>();
  const consumer = new DirectEnd<ToProducer, ToConsumer>();
  producer.peer = consumer;
  consumer.peer = producer;
  return { producer, consumer };
}

/** One end of a MessageChannel between two worker threads; segments are moved, not copied. */
export class PortLink<Out, In> implements ChannelLink<Out, In> {
  readonly sameThread = false;

  constructor(private readonly port: MessagePort) {}

  send(message: Out, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(message, transfer);
  }

  onMessage(handler: (message: In) => void): void {
    this.port.on('message', handler);
  }

  close(): void {
    this.port.close();
  }
}
