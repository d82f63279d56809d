import type { BufferPool } from './buffer-pool.js';
import type { ProducerLink, ToProducer } from './channel-link.js';

const END = Symbol('end-of-partition');
type Entry = { data: Uint8Array; length: number } | { event: ArrayBuffer } | typeof END;

/**
 * The queue of finished buffers and events of one subpartition and the sending side of
 * credit-based flow control: a buffer leaves only against a credit the consumer announced; every
 * buffer carries the backlog (buffers still queued) so the consumer can grant more. Events
 * (serialized, see element-codec.ts) and end-of-partition need no credit, as in Flink, but never
 * overtake the buffers queued before them.
 */
export class Subpartition {
  private readonly queue: Entry[] = [];
  private dataBuffers = 0;
  private credit = 0;
  private link: ProducerLink | undefined;
  private consumerGone = false;

  constructor(
    readonly index: number,
    private readonly pool: BufferPool,
  ) {}

  connect(link: ProducerLink): void {
    this.link = link;
    link.onMessage((m) => this.onConsumerMessage(m));
    this.trySend();
  }

  get isConnected(): boolean {
    return this.link !== undefined;
  }

  add(data: Uint8Array, length: number): void {
    if (this.consumerGone) {
      this.pool.recycle(data);
      return;
    }
    this.queue.push({ data, length });
    this.dataBuffers++;
    this.trySend();
  }

  /** Queues a serialized event behind the buffers added so far. */
  addEvent(event: ArrayBuffer): void {
    if (this.consumerGone) return;
    this.queue.push({ event });
    this.trySend();
  }

  finish(): void {
    this.queue.push(END);
    this.trySend();
  }

  /** Sends an error to the consumer in place of further data. */
  fail(message: string): void {
    this.link?.send({ t: 'f', message });
  }

  get backlog(): number {
    return this.dataBuffers;
  }

  private onConsumerMessage(m: ToProducer): void {
    if (m.t === 'x') {
      this.consumerGone = true;
      this.discardQueued();
      return;
    }
    for (const ab of m.recycled) this.pool.recycle(new Uint8Array(ab));
    this.credit += m.credit;
    this.trySend();
  }

  private trySend(): void {
    const link = this.link;
    if (!link) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head === END) {
        this.queue.shift();
        link.send({ t: 'e' });
        continue;
      }
      if ('event' in head) {
        this.queue.shift();
        if (link.sameThread) link.send({ t: 'v', data: head.event });
        else link.send({ t: 'v', data: head.event }, [head.event]);
        continue;
      }
      if (this.credit <= 0) return;
      this.queue.shift();
      this.credit--;
      this.dataBuffers--;
      const ab = head.data.buffer as ArrayBuffer;
      const message = { t: 'b' as const, data: ab, length: head.length, backlog: this.dataBuffers };
      if (link.sameThread) link.send(message);
      else link.send(message, [ab]);
    }
  }

  private discardQueued(): void {
    for (const e of this.queue) if (e !== END && 'data' in e) this.pool.recycle(e.data);
    this.queue.length = 0;
    this.dataBuffers = 0;
  }
}
