import net from 'node:net';
import { expect } from 'chai';
import { InputGate } from '../src/network/input-gate.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { ResultPartition } from '../src/network/result-partition.js';
import { FrameDecoder, type ShuffleFrame } from '../src/network/tcp/frame-codec.js';
import { ShuffleClient, ShuffleConnectionError } from '../src/network/tcp/shuffle-client.js';
import { ShuffleServer } from '../src/network/tcp/shuffle-server.js';
import { GateReader, serializer, spec, until, within } from './tcp-helpers.js';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A server that answers every connection with `reply` and keeps it open. */
async function fakeServer(reply: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.write(reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('tcp shuffle: failures', () => {
  let client: ShuffleClient;

  beforeEach(() => {
    client = new ShuffleClient();
  });

  afterEach(async () => {
    await client.close();
  });

  it('fails the consumer channel with a message naming the server when the server goes away', async () => {
    const manager = new PartitionManager();
    const server = new ShuffleServer((id, sp, link) => manager.servePartition(id, sp, link));
    const port = await server.start();
    const partition = new ResultPartition(spec('a#0#x', 1), serializer, { segmentSize: 512, buffersPerChannel: 2, floatingBuffers: 2 });
    manager.register(partition);
    const gate = new InputGate(0, 1, 2, 2, () => undefined);
    gate.channels[0]!.connect(await client.request(server.address, 'a#0#x', 0));
    for (let i = 0; i < 2000 && partition.isAvailable(); i++) partition.emit([i, 'k' + i], 0);
    const reader = new GateReader(gate);
    await until(() => (reader.drain(), reader.buffers > 0), 'the first buffer');

    await server.close();
    const message = await reader.failure();
    expect(message).to.include(`shuffle server 127.0.0.1:${port}`).and.to.include('lost');
    await until(() => client.connectionCount === 0, 'the client to forget the broken connection');
    await until(() => partition.pool.inUse === 0, 'the producer to get its segments back');
  });

  it('rejects a request to a port nobody listens on, naming host:port', async () => {
    const port = await freePort();
    let error: unknown;
    await within(
      client.request({ host: '127.0.0.1', port }, 'a#0#x', 0).catch((e: unknown) => (error = e)),
      'the request to fail',
    );
    expect(error).to.be.instanceOf(ShuffleConnectionError);
    expect((error as Error).message).to.equal(`cannot connect to shuffle server 127.0.0.1:${port} (ECONNREFUSED)`);
    expect((error as ShuffleConnectionError).recoverability).to.equal('partition-data-missing');
    expect(client.connectionCount).to.equal(0);
  });

  it('fails every channel of a connection that receives a corrupt frame', async () => {
    const garbage = Buffer.from([0, 0, 0, 9, 77, 0, 0, 0, 1]);
    const fake = await fakeServer(garbage);
    try {
      const gate = new InputGate(0, 2, 2, 0, () => undefined);
      gate.channels[0]!.connect(await client.request({ host: '127.0.0.1', port: fake.port }, 'a#0#x', 0));
      gate.channels[1]!.connect(await client.request({ host: '127.0.0.1', port: fake.port }, 'a#0#x', 1));
      const reader = new GateReader(gate);
      const first = await reader.failure();
      const second = await reader.failure();
      for (const message of [first, second]) {
        expect(message).to.equal(
          `corrupt data from shuffle server 127.0.0.1:${fake.port}: unknown shuffle message type 77 (frame length 9)`,
        );
      }
    } finally {
      await fake.close();
    }
  });

  it('the server answers a corrupt frame with an error on channel 0 and closes the connection', async () => {
    const server = new ShuffleServer(() => undefined);
    const port = await server.start();
    const socket = net.connect({ host: '127.0.0.1', port });
    const frames: ShuffleFrame[] = [];
    const decoder = new FrameDecoder((f) => frames.push(f));
    socket.on('data', (d: Buffer) => decoder.push(d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1]));
    await within(closed, 'the server to close the connection');
    expect(frames).to.have.length(1);
    expect(frames[0]).to.deep.include({ type: 'error', channelId: 0 });
    expect((frames[0] as { message: string }).message).to.match(
      /^shuffle server closed the connection: Buffer frame with impossible length 4294967295/,
    );
    await until(() => server.connectionCount === 0, 'the server to drop the connection');
    await server.close();
    await server.close();
  });

  it('a serve callback that throws fails only that channel', async () => {
    const manager = new PartitionManager();
    const server = new ShuffleServer((id, sp, link) => {
      if (sp > 0) throw new Error(`no subpartition ${sp}`);
      manager.servePartition(id, sp, link);
    });
    await server.start();
    try {
      const partition = new ResultPartition(spec('a#0#x', 1), serializer, { segmentSize: 512, buffersPerChannel: 2, floatingBuffers: 0 });
      manager.register(partition);
      const gate = new InputGate(0, 2, 2, 0, () => undefined);
      gate.channels[0]!.connect(await client.request(server.address, 'a#0#x', 0));
      gate.channels[1]!.connect(await client.request(server.address, 'a#0#x', 5));
      const reader = new GateReader(gate);
      expect(await reader.failure()).to.equal('cannot serve subpartition 5 of partition a#0#x: no subpartition 5');
      partition.emit('hello', 0);
      partition.finish();
      await until(() => (reader.drain(), gate.channels[0]!.ended), 'the healthy channel to end');
      expect(reader.records[0]).to.deep.equal(['hello']);
    } finally {
      await server.close();
    }
  });

  it('refuses requests after close, and close is idempotent', async () => {
    await client.close();
    await client.close();
    let error: unknown;
    await client.request({ host: '127.0.0.1', port: 1 }, 'a', 0).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('the shuffle client is closed');
    const server = new ShuffleServer(() => undefined);
    await server.close();
    let startError: unknown;
    await server.start().catch((e: unknown) => (startError = e));
    expect((startError as Error).message).to.equal('the shuffle server is closed');
  });
});
