import net from 'node:net';
import { GenericSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { readBufferElements } from '../src/network/element-codec.js';
import type { InputGate } from '../src/network/input-gate.js';
import type { ResultPartition } from '../src/network/result-partition.js';
import { FrameDecoder } from '../src/network/tcp/frame-codec.js';

export const serializer = new GenericSerializer();

export function spec(partitionId: string, numSubpartitions: number): ResultPartitionSpec {
  return {
    dataSetId: partitionId.split('#')[0]!,
    partitionId,
    numSubpartitions,
    partitioner: 'rebalance',
    resultType: 'PIPELINED_BOUNDED',
    serializer: { kind: 'generic' },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Polls `condition` once per event-loop turn until it holds, failing after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await turn();
  }
}

/** Lets `n` event-loop turns pass (for checks that something did NOT happen). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

export async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Emits records `from..to-1` as the producing task does: waiting while the pool is exhausted. */
export async function produce(
  partition: ResultPartition,
  from: number,
  to: number,
  record: (i: number) => [unknown, number],
): Promise<void> {
  for (let i = from; i < to; i++) {
    if (!partition.isAvailable()) await within(partition.whenAvailable(), 'the producer pool');
    const [value, subpartition] = record(i);
    partition.emit(value, subpartition);
  }
}

/**
 * What a channel delivered, in order, as a test reads it: a record's value (`[value, timestamp]`
 * for a record with a timestamp), `{ watermark }`, `{ status }`, `{ barrier: checkpointId }`, or
 * 'END'.
 */
export type SeenElement = unknown;

/** Reads a gate as a consuming task does, keeping the records (and all elements) of each channel apart. */
export class GateReader {
  readonly records: unknown[][];
  readonly elements: SeenElement[][];
  buffers = 0;

  constructor(readonly gate: InputGate) {
    this.records = gate.channels.map(() => []);
    this.elements = gate.channels.map(() => []);
  }

  /** Takes every buffer and event available now; throws what the gate throws (a failed channel). */
  drain(): void {
    for (let next = this.gate.poll(); next; next = this.gate.poll()) {
      const seen = this.elements[next.channel.index]!;
      if (next.data === null) {
        seen.push('END');
        continue;
      }
      if (!(next.data instanceof Uint8Array)) {
        seen.push({ barrier: next.data.checkpointId });
        continue;
      }
      this.buffers++;
      const out = this.records[next.channel.index]!;
      for (const e of readBufferElements(next.data, serializer)) {
        if (e.kind === 'record') {
          out.push(e.value);
          seen.push(e.timestamp === undefined ? e.value : [e.value, e.timestamp]);
        } else if (e.kind === 'watermark') seen.push({ watermark: e.mark });
        else seen.push({ status: e.status });
      }
      next.channel.recycle(next.data);
    }
  }

  async readToEnd(ms = 30_000): Promise<void> {
    await until(
      () => {
        this.drain();
        return this.gate.isFinished();
      },
      'end of all channels',
      ms,
    );
  }

  /** The message of the failure the gate reports, once it does. */
  async failure(ms = 10_000): Promise<string> {
    let message: string | undefined;
    await until(
      () => {
        try {
          this.drain();
        } catch (e) {
          message = (e as Error).message;
        }
        return message !== undefined;
      },
      'a channel failure',
      ms,
    );
    return message!;
  }
}

/**
 * A TCP proxy on 127.0.0.1 that decodes what passes through it: credit granted by the client
 * (initial credit and AddCredit) and Buffer frames sent by the server, with the largest excess
 * of buffers over credit ever seen on one channel.
 */
export class CountingProxy {
  credit = 0;
  bufferFrames = 0;
  maxExcess = 0;
  private readonly perChannel = new Map<number, { credit: number; buffers: number }>();
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return { host: '127.0.0.1', port: (this.server.address() as net.AddressInfo).port };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private channel(id: number): { credit: number; buffers: number } {
    let c = this.perChannel.get(id);
    if (!c) this.perChannel.set(id, (c = { credit: 0, buffers: 0 }));
    return c;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target);
    this.sockets.add(client).add(upstream);
    const fromClient = new FrameDecoder((f) => {
      const credit = f.type === 'add-credit' ? f.credit : f.type === 'partition-request' ? f.initialCredit : 0;
      if (f.type === 'add-credit' || f.type === 'partition-request') this.channel(f.channelId).credit += credit;
      this.credit += credit;
    });
    const fromServer = new FrameDecoder((f) => {
      if (f.type !== 'buffer') return;
      const c = this.channel(f.channelId);
      c.buffers++;
      this.bufferFrames++;
      this.maxExcess = Math.max(this.maxExcess, c.buffers - c.credit);
    });
    client.on('data', (d: Buffer) => (fromClient.push(d), upstream.write(d)));
    upstream.on('data', (d: Buffer) => (fromServer.push(d), client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
