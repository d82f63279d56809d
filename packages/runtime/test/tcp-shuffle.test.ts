import net from 'node:net';
import { expect } from 'chai';
import { InputGate } from '../src/network/input-gate.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { ResultPartition } from '../src/network/result-partition.js';
import { encodeFrame, FrameDecoder } from '../src/network/tcp/frame-codec.js';
import { ShuffleClient } from '../src/network/tcp/shuffle-client.js';
import { ShuffleServer } from '../src/network/tcp/shuffle-server.js';
import { CountingProxy, GateReader, produce, serializer, spec, turns, until } from './tcp-helpers.js';

describe('tcp shuffle: exchange over loopback', () => {
  let manager: PartitionManager;
  let server: ShuffleServer;
  let client: ShuffleClient;

  beforeEach(async () => {
    manager = new PartitionManager();
    server = new ShuffleServer((id, sp, link) => manager.servePartition(id, sp, link));
    await server.start();
    client = new ShuffleClient();
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('delivers every record in order, then end-of-partition, for several subpartitions over one connection', async () => {
    const options = { segmentSize: 1024, buffersPerChannel: 2, floatingBuffers: 4 };
    const a = new ResultPartition(spec('a#0#x', 3), serializer, options);
    const b = new ResultPartition(spec('b#0#x', 3), serializer, options);
    manager.register(a);
    // Consumers connect to b before it is registered: the server waits for it.
    const gates = [0, 1, 2].map(() => new InputGate(0, 2, 2, 4, () => undefined));
    const links = await Promise.all(
      [0, 1, 2].flatMap((sp) => [client.request(server.address, 'a#0#x', sp), client.request(server.address, 'b#0#x', sp)]),
    );
    gates.forEach((gate, sp) => {
      gate.channels[0]!.connect(links[2 * sp]!);
      gate.channels[1]!.connect(links[2 * sp + 1]!);
    });
    manager.register(b);
    expect(client.connectionCount).to.equal(1);
    const readers = gates.map((g) => new GateReader(g));
    const n = 20_000;
    const reading = Promise.all(readers.map((r) => r.readToEnd()));
    await Promise.all([
      produce(a, 0, n, (i) => [[i, 'a-' + (i % 1000)], i % 3]),
      produce(b, 0, n, (i) => [{ i, s: 'b'.repeat(i % 50) }, (i * 7) % 3]),
    ]);
    a.finish();
    b.finish();
    await reading;

    for (let sp = 0; sp < 3; sp++) {
      const expectA = [];
      const expectB = [];
      for (let i = 0; i < n; i++) {
        if (i % 3 === sp) expectA.push([i, 'a-' + (i % 1000)]);
        if ((i * 7) % 3 === sp) expectB.push({ i, s: 'b'.repeat(i % 50) });
      }
      expect(readers[sp]!.records[0]).to.deep.equal(expectA);
      expect(readers[sp]!.records[1]).to.deep.equal(expectB);
    }
    expect(server.connectionCount).to.equal(1);
    await until(() => server.channelCount === 0, 'the server to forget finished channels');
    await until(() => a.pool.inUse === 0 && b.pool.inUse === 0, 'every sent segment to be recycled');
  });

  it('sends only against credit; a consumer that stops reading exhausts the producer pool', async () => {
    const proxy = new CountingProxy(server.address);
    const viaProxy = await proxy.start();
    try {
      const options = { segmentSize: 1024, buffersPerChannel: 2, floatingBuffers: 2 };
      const partition = new ResultPartition(spec('p#0#x', 1), serializer, options);
      manager.register(partition);
      const exclusive = 2;
      const floating = 3;
      const gate = new InputGate(0, 1, exclusive, floating, () => undefined);
      gate.channels[0]!.connect(await client.request(viaProxy, 'p#0#x', 0));
      const reader = new GateReader(gate);

      let emitted = 0;
      const record = (i: number): [unknown, number] => [[i, 'k' + (i % 1000)], 0];
      // Emit while the pool allows, until the pool is exhausted and every granted credit is used.
      const plateau = (): boolean => !partition.isAvailable() && proxy.credit >= exclusive && proxy.bufferFrames === proxy.credit;
      for (let round = 0; round < 5000 && !plateau(); round++) {
        if (partition.isAvailable()) {
          for (let j = 0; j < 50; j++) {
            partition.emit(record(emitted)[0], 0);
            emitted++;
          }
        }
        await turns(1);
      }
      const sent = proxy.bufferFrames;
      await turns(50);
      expect(partition.isAvailable(), 'pool exhausted while the consumer does not read').to.equal(false);
      expect(proxy.bufferFrames, 'buffers sent after the credit ran out').to.equal(sent);
      expect(proxy.credit).to.equal(sent);
      expect(sent).to.be.within(exclusive, exclusive + floating);
      expect(proxy.maxExcess).to.be.at.most(0);
      expect(partition.subpartitions[0]!.backlog).to.be.greaterThan(0);
      expect(reader.buffers).to.equal(0);

      const total = emitted + 5_000;
      const reading = reader.readToEnd();
      await produce(partition, emitted, total, record);
      partition.finish();
      await reading;
      expect(reader.records[0]).to.deep.equal(Array.from({ length: total }, (_, i) => record(i)[0]));
      expect(proxy.maxExcess).to.be.at.most(0);
      expect(proxy.bufferFrames).to.equal(reader.buffers);
    } finally {
      await proxy.close();
    }
  });

  it('holds the producer back when the consumer has credit but does not read its socket', async () => {
    await server.close();
    server = new ShuffleServer((id, sp, link) => manager.servePartition(id, sp, link), { sendBufferBytes: 64 * 1024 });
    await server.start();
    const partition = new ResultPartition(spec('s#0#x', 1), serializer, {
      segmentSize: 32 * 1024,
      buffersPerChannel: 2,
      floatingBuffers: 8,
    });
    manager.register(partition);
    const socket = net.connect(server.address);
    socket.pause();
    socket.write(encodeFrame({ type: 'partition-request', channelId: 1, partitionId: 's#0#x', subpartition: 0, initialCredit: 1_000_000 }));
    try {
      const record = 'r'.repeat(1000);
      let emitted = 0;
      for (let round = 0; round < 20_000 && partition.isAvailable(); round++) {
        for (let i = 0; i < 100; i++) {
          partition.emit(record, 0);
          emitted++;
        }
        await turns(1);
      }
      expect(partition.isAvailable(), 'pool exhausted by segments waiting for the socket').to.equal(false);
      expect(partition.subpartitions[0]!.backlog, 'nothing waits for credit').to.equal(0);

      let buffers = 0;
      let ended = false;
      const decoder = new FrameDecoder((f) => {
        if (f.type === 'buffer') buffers++;
        if (f.type === 'end-of-partition') ended = true;
      });
      socket.on('data', (d: Buffer) => decoder.push(d));
      socket.resume();
      partition.finish();
      await until(() => ended, 'end of partition');
      expect(buffers).to.be.at.least(Math.floor((emitted * 1001) / (32 * 1024)));
      await until(() => partition.pool.inUse === 0, 'every segment to be recycled');
    } finally {
      socket.destroy();
    }
  });

  it('releases the producer when the consumer cancels', async () => {
    const partition = new ResultPartition(spec('c#0#x', 1), serializer, { segmentSize: 512, buffersPerChannel: 2, floatingBuffers: 0 });
    manager.register(partition);
    const gate = new InputGate(0, 1, 2, 0, () => undefined);
    gate.channels[0]!.connect(await client.request(server.address, 'c#0#x', 0));
    for (let i = 0; i < 2000 && partition.isAvailable(); i++) partition.emit('x'.repeat(40), 0);
    expect(partition.isAvailable()).to.equal(false);
    gate.close();
    await until(() => partition.pool.inUse === 0, 'the queued and sent segments to be recycled');
    await until(() => server.channelCount === 0, 'the server to forget the cancelled channel');
    expect(partition.isAvailable()).to.equal(true);
  });
});
