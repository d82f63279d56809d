import net from 'node:net';
import { expect } from 'chai';
import { FrameWriter } from '../src/network/tcp/frame-writer.js';
import { until } from './tcp-helpers.js';

/** A connected pair on 127.0.0.1; the receiving end does not read until told to. */
async function socketPair(highWaterMark: number): Promise<{ sender: net.Socket; receiver: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  // Node's stream option, which the socket passes on (absent from the typings of net.connect).
  const options = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, writableHighWaterMark: highWaterMark };
  const sender = net.connect(options);
  await new Promise<void>((resolve) => sender.once('connect', () => resolve()));
  const receiver = await accepted;
  receiver.pause();
  return {
    sender,
    receiver,
    close: async () => {
      sender.destroy();
      receiver.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('tcp shuffle frame writer', () => {
  it('stops writing while the socket is full and resumes on drain, reporting each frame once written', async () => {
    const pair = await socketPair(64 * 1024);
    try {
      const writer = new FrameWriter(pair.sender);
      const frame = new Uint8Array(32 * 1024);
      const written: number[] = [];
      let queuedFrames = 0;
      // Queue frames until the writer holds some back; the kernel buffers take a few MB first.
      for (let round = 0; round < 2000 && writer.queued === 0; round++) {
        for (let i = 0; i < 8; i++) {
          const n = queuedFrames++;
          writer.write(new Uint8Array([n & 0xff]), frame, () => written.push(n));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(writer.queued, 'frames held back by the writer').to.be.greaterThan(0);
      expect(pair.sender.writableLength).to.be.at.most(64 * 1024 + 8 * (frame.byteLength + 1));
      const before = written.length;
      expect(before).to.be.lessThan(queuedFrames);

      let received = 0;
      pair.receiver.on('data', (d: Buffer) => (received += d.length));
      pair.receiver.resume();
      await until(() => written.length === queuedFrames, 'every frame to be written');
      expect(written).to.deep.equal(Array.from({ length: queuedFrames }, (_, i) => i));
      expect(writer.queued).to.equal(0);
      await until(() => received === queuedFrames * (frame.byteLength + 1), 'every byte to arrive');
    } finally {
      await pair.close();
    }
  });

  it('reports frames dropped by close() as done, and drops later ones at once', async () => {
    const pair = await socketPair(16 * 1024);
    try {
      const writer = new FrameWriter(pair.sender);
      const done: string[] = [];
      writer.write(new Uint8Array(4), new Uint8Array(10), () => done.push('a'));
      writer.close();
      writer.write(new Uint8Array(4), undefined, () => done.push('b'));
      expect(done).to.deep.equal([]);
      await until(() => done.length === 2, 'both callbacks');
      expect(done).to.deep.equal(['a', 'b']);
    } finally {
      await pair.close();
    }
  });
});
