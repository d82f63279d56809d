import { expect } from 'chai';
import {
  CorruptFrameError,
  encodeBufferPrefix,
  encodeFrame,
  FrameDecoder,
  FrameType,
  type ShuffleFrame,
} from '../src/network/tcp/frame-codec.js';

function bytes(n: number, seed: number): ArrayBuffer {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out.buffer;
}

const frames: ShuffleFrame[] = [
  { type: 'partition-request', channelId: 1, partitionId: 'ds#0#attempt-é日本', subpartition: 3, initialCredit: 2 },
  {
    type: 'partition-request',
    channelId: 9,
    partitionId: 'ds#1#a',
    subpartition: 0,
    initialCredit: 0,
    jobId: '0123456789abcdef0123456789abcdef',
  },
  { type: 'add-credit', channelId: 1, credit: 5 },
  { type: 'buffer', channelId: 1, backlog: 7, data: bytes(1000, 1) },
  { type: 'buffer', channelId: 4294967295, backlog: 0, data: new ArrayBuffer(0) },
  { type: 'end-of-partition', channelId: 1 },
  { type: 'error', channelId: 2, message: 'the producer failed: ünïcödé' },
  { type: 'buffer', channelId: 2, backlog: 4294967295, data: bytes(3, 9) },
  { type: 'cancel-partition', channelId: 2 },
  { type: 'error', channelId: 0, message: '' },
  { type: 'close-request' },
];

function decodeChunks(chunks: Uint8Array[], options = {}): ShuffleFrame[] {
  const out: ShuffleFrame[] = [];
  const decoder = new FrameDecoder((f) => out.push(f), options);
  for (const c of chunks) decoder.push(c);
  expect(decoder.idle).to.equal(true);
  return out;
}

function comparable(f: ShuffleFrame): unknown {
  return f.type === 'buffer' ? { ...f, data: [...new Uint8Array(f.data)] } : f;
}

function concat(list: Uint8Array[]): Buffer {
  return Buffer.concat(list);
}

describe('tcp shuffle frame codec', () => {
  const stream = concat(frames.map(encodeFrame));

  it('round-trips every message type', () => {
    for (const f of frames) {
      const [decoded, ...rest] = decodeChunks([encodeFrame(f)]);
      expect(rest).to.have.length(0);
      expect(comparable(decoded!)).to.deep.equal(comparable(f));
    }
  });

  it('decodes many frames from one chunk', () => {
    const many = concat(Array.from({ length: 50 }, () => stream));
    const decoded = decodeChunks([many]);
    expect(decoded).to.have.length(frames.length * 50);
    expect(decoded.map(comparable)).to.deep.equal(Array.from({ length: 50 }, () => frames.map(comparable)).flat());
  });

  it('decodes the same frames whatever byte boundary a chunk ends at', () => {
    const expected = frames.map(comparable);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoded = decodeChunks([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(decoded.map(comparable), `cut at ${cut}`).to.deep.equal(expected);
    }
    const oneByteChunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeChunks(oneByteChunks).map(comparable)).to.deep.equal(expected);
  });

  it('gives each buffer its own ArrayBuffer, starting at offset 0', () => {
    const decoded = decodeChunks([stream.subarray(0, 40), stream.subarray(40)]);
    const buffers = decoded.filter((f) => f.type === 'buffer');
    expect(buffers.map((f) => f.data.byteLength)).to.deep.equal([1000, 0, 3]);
    expect(new Set(buffers.map((f) => f.data)).size).to.equal(3);
    for (const f of buffers) expect(f.data).to.not.equal(stream.buffer);
  });

  it('writes a Buffer frame as a prefix followed by the segment bytes', () => {
    const data = bytes(500, 3);
    const wire = concat([encodeBufferPrefix(9, 2, 200), new Uint8Array(data, 0, 200)]);
    const [decoded] = decodeChunks([wire]);
    expect(comparable(decoded!)).to.deep.equal(comparable({ type: 'buffer', channelId: 9, backlog: 2, data: data.slice(0, 200) }));
  });

  describe('rejects corrupt input', () => {
    function header(length: number, type: number, channelId = 1): Buffer {
      const b = Buffer.alloc(9);
      b.writeUInt32BE(length, 0);
      b.writeUInt8(type, 4);
      b.writeUInt32BE(channelId, 5);
      return b;
    }

    function rejection(input: Uint8Array, options = {}): CorruptFrameError {
      const decoder = new FrameDecoder(() => undefined, options);
      let error: unknown;
      try {
        decoder.push(input);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(CorruptFrameError);
      expect(() => decoder.push(encodeFrame({ type: 'close-request' }))).to.throw(CorruptFrameError);
      return error as CorruptFrameError;
    }

    it('an unknown message type', () => {
      expect(rejection(header(9, 0)).message).to.match(/unknown shuffle message type 0/);
      expect(rejection(header(9, 99)).message).to.match(/unknown shuffle message type 99/);
    });

    it('a length that is too small or absurdly large', () => {
      expect(rejection(header(3, FrameType.EndOfPartition)).message).to.match(/impossible length 3/);
      expect(rejection(header(12, FrameType.Buffer)).message).to.match(/impossible length 12/);
      expect(rejection(header(0xffffffff, FrameType.Buffer)).message).to.match(/impossible length 4294967295/);
      expect(rejection(header(1 << 20, FrameType.Error)).message).to.match(/impossible length/);
      expect(rejection(header(2048, FrameType.Buffer), { maxFrameLength: 1024 }).message).to.match(/limit 1024/);
    });

    it('a body that does not fit the message type', () => {
      expect(rejection(concat([header(10, FrameType.AddCredit), Buffer.alloc(1)])).message).to.match(
        /AddCredit frame with a body of 1 bytes/,
      );
      expect(rejection(concat([header(10, FrameType.EndOfPartition), Buffer.alloc(1)])).message).to.match(/EndOfPartition/);
      const request = encodeFrame({ type: 'partition-request', channelId: 1, partitionId: 'abc', subpartition: 0, initialCredit: 0 });
      request.writeUInt16BE(40, 17);
      expect(rejection(request).message).to.match(/PartitionRequest frame with a body of 15 bytes, expected at least 52/);
      const withJob = encodeFrame({
        type: 'partition-request',
        channelId: 1,
        partitionId: 'abc',
        subpartition: 0,
        initialCredit: 0,
        jobId: 'j',
      });
      withJob.writeUInt16BE(40, 22);
      expect(rejection(withJob).message).to.match(/PartitionRequest frame with a body of 16 bytes, expected 55/);
    });

    it('a corrupt header split across chunks', () => {
      const decoder = new FrameDecoder(() => undefined);
      const bad = header(9, 42);
      decoder.push(bad.subarray(0, 4));
      expect(() => decoder.push(bad.subarray(4))).to.throw(CorruptFrameError, /type 42/);
    });
  });
});
