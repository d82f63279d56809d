import { MessageChannel } from 'node:worker_threads';
import { expect } from 'chai';
import { directLinkPair, PortLink, type ToConsumer, type ToProducer } from '../src/network/channel-link.js';
import { InputGate } from '../src/network/input-gate.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { ResultPartition } from '../src/network/result-partition.js';
import { CheckpointBarrier, Watermark } from '../src/network/stream-elements.js';
import { ShuffleClient } from '../src/network/tcp/shuffle-client.js';
import { ShuffleServer } from '../src/network/tcp/shuffle-server.js';
import { GateReader, serializer, spec } from './tcp-helpers.js';

const options = { segmentSize: 1024, buffersPerChannel: 2, floatingBuffers: 2 };
const barrier = (id: number) => new CheckpointBarrier(id, 1000 + id, { type: 'CHECKPOINT', alignment: 'ALIGNED' });

/**
 * Writes an interleaving of records (with and without timestamps), watermarks, statuses and
 * barriers into a partition of two subpartitions, waiting for buffers like a task; returns what
 * each channel must see, in order.
 */
async function produceMixed(partition: ResultPartition): Promise<unknown[][]> {
  const expected: unknown[][] = [[], []];
  const all = (e: unknown): void => expected.forEach((list) => list.push(e));
  for (let i = 0; i < 3000; i++) {
    if (!partition.isAvailable()) await partition.whenAvailable();
    const sp = i % 2;
    if (i % 3 === 0) {
      partition.emit(`r${i}`, sp, i * 10 - 5000);
      expected[sp]!.push([`r${i}`, i * 10 - 5000]);
    } else {
      partition.emit({ i }, sp);
      expected[sp]!.push({ i });
    }
    if (i % 97 === 0) {
      partition.broadcastWatermark(i * 10 - 6000);
      all({ watermark: i * 10 - 6000 });
    }
    if (i % 500 === 250) {
      partition.broadcastEvent(barrier(i));
      all({ barrier: i });
    }
    if (i === 1000) {
      partition.broadcastWatermarkStatus('IDLE');
      all({ status: 'IDLE' });
    }
    if (i === 1001) {
      partition.broadcastWatermarkStatus('ACTIVE');
      all({ status: 'ACTIVE' });
    }
  }
  partition.broadcastWatermark(Watermark.MAX);
  all({ watermark: Watermark.MAX });
  partition.finish();
  all('END');
  return expected;
}

async function exchange(connect: (partition: ResultPartition, gate: InputGate) => Promise<void> | void): Promise<void> {
  const partition = new ResultPartition(spec('p#0#a', 2), serializer, options);
  const gate = new InputGate(0, 2, 2, 2, () => undefined);
  await connect(partition, gate);
  const reader = new GateReader(gate);
  const reading = reader.readToEnd();
  const expected = await produceMixed(partition);
  await reading;
  expect(reader.elements[0]).to.deep.equal(expected[0]);
  expect(reader.elements[1]).to.deep.equal(expected[1]);
}

describe('stream elements and events travel in order with records', () => {
  it('over same-thread links', async () => {
    await exchange((partition, gate) => {
      for (const sp of [0, 1]) {
        const pair = directLinkPair();
        partition.subpartitions[sp]!.connect(pair.producer);
        gate.channels[sp]!.connect(pair.consumer);
      }
    });
  });

  it('over MessagePorts (the cross-thread link: segments and events are moved)', async () => {
    const ports: MessageChannel[] = [];
    await exchange((partition, gate) => {
      for (const sp of [0, 1]) {
        const channel = new MessageChannel();
        ports.push(channel);
        partition.subpartitions[sp]!.connect(new PortLink<ToConsumer, ToProducer>(channel.port1));
        gate.channels[sp]!.connect(new PortLink<ToProducer, ToConsumer>(channel.port2));
      }
    });
    for (const c of ports) {
      c.port1.close();
      c.port2.close();
    }
  });

  it('over TCP (Event frames between Buffer frames)', async () => {
    const manager = new PartitionManager();
    const server = new ShuffleServer((id, sp, link) => manager.servePartition(id, sp, link));
    await server.start();
    const client = new ShuffleClient();
    try {
      await exchange(async (partition, gate) => {
        manager.register(partition);
        for (const sp of [0, 1]) gate.channels[sp]!.connect(await client.request(server.address, 'p#0#a', sp));
      });
    } finally {
      await client.close();
      await server.close();
    }
  });
});
