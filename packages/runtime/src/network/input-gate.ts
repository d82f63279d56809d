import { DataInputDeserializer } from '@spindle/core';
import type { ConsumerLink, ToConsumer } from './channel-link.js';
import { deserializeEvent } from './element-codec.js';
import type { RuntimeEvent } from './stream-elements.js';

/**
 * What a channel delivers, in order: a buffer of stream elements (recycle it once processed), an
 * event, or null for the end of the partition.
 */
export type ChannelData = Uint8Array | RuntimeEvent | null;

/** A channel delivered a failure in place of data; `partitionId` names the partition when its input is BLOCKING. */
export class RemoteProducerError extends Error {
  constructor(
    message: string,
    readonly partitionId?: string,
  ) {
    super(message);
  }
}

/**
 * The receiving side of one subpartition. It announces its exclusive credits when connected, and
 * asks the gate for floating credits when the sender reports a backlog it cannot cover.
 *
 * A channel of a BLOCKING partition returns the credit of consumed buffers in batches: one credit
 * message once half of the credits it holds are consumed, or as soon as it has nothing left to
 * deliver while its sender has no credit left, so that the sender is never left without credit
 * while the task waits for this channel (a sender with credit left sends more, and the check repeats).
 * Its buffers are not handed back (the file sender reads each buffer anew). A pipelined channel
 * returns each buffer with its credit at once, to its sender's pool.
 */
export class InputChannel {
  private readonly received: ChannelData[] = [];
  private link: ConsumerLink | undefined;
  private unusedCredit = 0;
  private floatingHeld = 0;
  private backlog = 0;
  /** Credits of consumed buffers not announced yet (BLOCKING channels only). */
  private pendingCredit = 0;
  ended = false;
  inQueue = false;
  /** Held back while a checkpoint aligns: its data waits until every channel delivered the barrier. */
  blocked = false;
  failure: string | undefined;
  numBytesIn = 0;

  constructor(
    readonly index: number,
    private readonly gate: InputGate,
    private readonly exclusiveCredits: number,
    /** Whether the channel reads a BLOCKING partition, whose sender keeps no buffer pool. */
    private readonly batchCredits = false,
  ) {}

  connect(link: ConsumerLink): void {
    this.link = link;
    link.onMessage((m) => this.onMessage(m));
    this.announce(this.exclusiveCredits, []);
  }

  hasData(): boolean {
    return this.received.length > 0;
  }

  /** The channel could not be connected: it fails as if its producer had sent `message`. */
  failConnection(message: string): void {
    this.onMessage({ t: 'f', message });
  }

  /** The next buffer or event, or null for end-of-partition. */
  take(): ChannelData | undefined {
    return this.received.shift();
  }

  recycle(data: Uint8Array): void {
    if (this.batchCredits) return this.recycleBatched();
    const ab = data.buffer as ArrayBuffer;
    if (this.floatingHeld > 0 && this.backlog <= this.unusedCredit) {
      this.floatingHeld--;
      this.gate.returnFloating(1);
      this.announce(0, [ab]);
    } else {
      this.announce(1, [ab]);
    }
  }

  grantFloating(n: number): void {
    this.floatingHeld += n;
    this.announce(n, []);
  }

  /** Frees a consumed buffer's credit, announcing the credits freed so far when a batch is complete. */
  private recycleBatched(): void {
    if (this.floatingHeld > 0 && this.backlog <= this.unusedCredit + this.pendingCredit) {
      // The backlog is covered without this floating buffer: it goes back to the gate.
      this.floatingHeld--;
      this.gate.returnFloating(1);
    } else {
      this.pendingCredit++;
    }
    const held = this.exclusiveCredits + this.floatingHeld;
    const starved = this.received.length === 0 && this.unusedCredit === 0;
    if (this.pendingCredit > 0 && (starved || 2 * this.pendingCredit >= held)) this.announce(0, []);
  }

  wantsFloating(): number {
    return Math.max(0, this.backlog - this.unusedCredit - this.pendingCredit);
  }

  close(): void {
    this.link?.send({ t: 'x' });
    this.link?.close();
  }

  /** Announces `credit` new credits (with any pending ones) and hands `recycled` back to the sender. */
  private announce(newCredit: number, recycled: ArrayBuffer[]): void {
    const link = this.link;
    if (!link) return;
    const credit = newCredit + this.pendingCredit;
    this.pendingCredit = 0;
    this.unusedCredit += credit;
    if (link.sameThread) link.send({ t: 'c', credit, recycled });
    else link.send({ t: 'c', credit, recycled }, recycled);
  }

  private onMessage(m: ToConsumer): void {
    if (m.t === 'b') {
      this.unusedCredit--;
      this.backlog = m.backlog;
      this.numBytesIn += m.length;
      this.received.push(new Uint8Array(m.data, 0, m.length));
      if (this.backlog > this.unusedCredit) this.gate.requestFloating(this);
    } else if (m.t === 'v') {
      this.received.push(deserializeEvent(new DataInputDeserializer(new Uint8Array(m.data))));
    } else if (m.t === 'e') {
      this.received.push(null);
    } else {
      this.failure = m.message;
      this.received.push(null);
    }
    this.gate.notifyData(this);
  }
}

/**
 * All channels of one logical input of a task. Channels with data queue up in arrival order so
 * that no channel starves; the gate is finished when every channel delivered end-of-partition.
 */
export class InputGate {
  readonly channels: InputChannel[];
  private readonly withData: InputChannel[] = [];
  private endedChannels = 0;
  private floatingAvailable: number;

  constructor(
    readonly inputIndex: number,
    numChannels: number,
    buffersPerChannel: number,
    floatingBuffers: number,
    private readonly onAvailable: () => void,
    /** The partition of each channel when the input is BLOCKING: a failure to read one means its data is missing. */
    private readonly blockingPartitions?: readonly string[],
  ) {
    this.floatingAvailable = floatingBuffers;
    const batchCredits = blockingPartitions !== undefined;
    this.channels = Array.from({ length: numChannels }, (_, i) => new InputChannel(i, this, buffersPerChannel, batchCredits));
  }

  isFinished(): boolean {
    return this.endedChannels === this.channels.length;
  }

  hasData(): boolean {
    return this.withData.length > 0;
  }

  /** Next buffer or event of any channel; `data` null marks that channel's end. */
  poll(): { channel: InputChannel; data: ChannelData } | undefined {
    const channel = this.withData.shift();
    if (!channel) return undefined;
    const data = channel.take();
    if (channel.hasData()) this.withData.push(channel);
    else channel.inQueue = false;
    if (data === null) {
      channel.ended = true;
      this.endedChannels++;
      if (channel.failure !== undefined) throw new RemoteProducerError(channel.failure, this.blockingPartitions?.[channel.index]);
    }
    return { channel, data: data ?? null };
  }

  notifyData(channel: InputChannel): void {
    if (!channel.inQueue && !channel.blocked) {
      channel.inQueue = true;
      this.withData.push(channel);
    }
    this.onAvailable();
  }

  /** Stops handing out the channel's data (barrier alignment); what it receives meanwhile queues up. */
  blockChannel(index: number): void {
    const channel = this.channels[index]!;
    channel.blocked = true;
    if (!channel.inQueue) return;
    channel.inQueue = false;
    const i = this.withData.indexOf(channel);
    if (i >= 0) this.withData.splice(i, 1);
  }

  /** Hands out the channel's data again, in order after the data of channels already waiting. */
  unblockChannel(index: number): void {
    const channel = this.channels[index]!;
    if (!channel.blocked) return;
    channel.blocked = false;
    if (channel.hasData() && !channel.inQueue) {
      channel.inQueue = true;
      this.withData.push(channel);
      this.onAvailable();
    }
  }

  requestFloating(channel: InputChannel): void {
    const n = Math.min(channel.wantsFloating(), this.floatingAvailable);
    if (n <= 0) return;
    this.floatingAvailable -= n;
    channel.grantFloating(n);
  }

  returnFloating(n: number): void {
    this.floatingAvailable += n;
    for (const c of this.channels) {
      if (this.floatingAvailable <= 0) break;
      if (c.wantsFloating() > 0) this.requestFloating(c);
    }
  }

  get numBytesIn(): number {
    let n = 0;
    for (const c of this.channels) n += c.numBytesIn;
    return n;
  }

  close(): void {
    for (const c of this.channels) if (!c.ended) c.close();
  }
}
