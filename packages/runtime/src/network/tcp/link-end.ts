import type { ChannelLink } from '../channel-link.js';

/**
 * The part of a TCP link end that hands incoming messages to its handler: in order, in a later
 * microtask (never within `send()`), and kept until a handler is set.
 */
export abstract class TcpLinkEnd<Out, In> implements ChannelLink<Out, In> {
  /** Segments cross a socket: the two ends never share them. */
  readonly sameThread = false;
  private handler: ((message: In) => void) | undefined;
  private inbox: In[] = [];
  private scheduled = false;

  abstract send(message: Out): void;
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
    for (const m of batch) handler(m);
  }
}
