import { expect } from 'chai';
import { DataInputDeserializer, DataOutputSerializer, GenericSerializer } from '@spindle/core';
import {
  BufferKind,
  deserializeEvent,
  readBufferElements,
  readElement,
  readInt64Timestamp,
  serializeEvent,
  writeInt64Timestamp,
  writeRecord,
  writeWatermark,
  writeWatermarkStatus,
} from '../src/network/element-codec.js';
import {
  CheckpointBarrier,
  InvalidTimestampError,
  Watermark,
  checkTimestamp,
  watermarkFromLongString,
  watermarkToLongString,
} from '../src/network/stream-elements.js';
import { ResultPartitionWriter } from '../src/network/result-partition-writer.js';
import { spec } from './tcp-helpers.js';

const serializer = new GenericSerializer();

function bytesOf(write: (out: DataOutputSerializer) => void): Uint8Array {
  const out = new DataOutputSerializer();
  write(out);
  return out.toUint8Array();
}

function int64Bytes(ts: number): bigint {
  const bytes = bytesOf((out) => writeInt64Timestamp(out, ts));
  expect(bytes.byteLength).to.equal(8);
  return Buffer.from(bytes).readBigInt64LE(0);
}

describe('stream element codec', () => {
  const timestamps = [
    0,
    1,
    -1,
    2 ** 32 - 1,
    2 ** 32,
    -(2 ** 32),
    -(2 ** 32) - 1,
    1_700_000_000_123,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ];

  it('writes timestamps as exact signed 64-bit integers, up to the safe limits', () => {
    for (const ts of timestamps) {
      expect(int64Bytes(ts), String(ts)).to.equal(BigInt(ts));
      const input = new DataInputDeserializer(bytesOf((out) => writeInt64Timestamp(out, ts)));
      expect(readInt64Timestamp(input)).to.equal(ts);
    }
  });

  it('encodes Watermark.MAX and Watermark.MIN as Long.MAX_VALUE and Long.MIN_VALUE', () => {
    expect(int64Bytes(Watermark.MAX)).to.equal(2n ** 63n - 1n);
    expect(int64Bytes(Watermark.MIN)).to.equal(-(2n ** 63n));
    for (const mark of [Watermark.MAX, Watermark.MIN]) {
      const input = new DataInputDeserializer(bytesOf((out) => writeWatermark(out, mark)));
      expect(readElement(input, serializer)).to.deep.equal({ kind: 'watermark', mark });
    }
    expect(watermarkToLongString(Watermark.MIN)).to.equal('-9223372036854775808');
    expect(watermarkFromLongString(watermarkToLongString(Watermark.MAX))).to.equal(Watermark.MAX);
    expect(watermarkFromLongString(watermarkToLongString(-5))).to.equal(-5);
  });

  it('refuses timestamps it cannot hold exactly, and 64-bit values beyond the safe range on reading', () => {
    for (const bad of [Number.NaN, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.MIN_SAFE_INTEGER - 1, 2 ** 63]) {
      expect(() => writeInt64Timestamp(new DataOutputSerializer(), bad), String(bad)).to.throw(
        InvalidTimestampError,
        /integer milliseconds/,
      );
    }
    const beyond = Buffer.alloc(8);
    beyond.writeBigInt64LE(2n ** 53n);
    expect(() => readInt64Timestamp(new DataInputDeserializer(beyond))).to.throw(/outside the safe range/);
    expect(() => checkTimestamp(Number.NaN, "Timestamps/Watermarks 'ts'")).to.throw(
      /Timestamps\/Watermarks 'ts' produced the timestamp number NaN/,
    );
  });

  it('round-trips records with and without timestamps, watermarks and statuses in one buffer; a plain record costs one tag byte', () => {
    const out = new DataOutputSerializer();
    writeRecord(out, serializer, ['a', 1]);
    writeRecord(out, serializer, { b: 2 }, Number.MAX_SAFE_INTEGER);
    writeRecord(out, serializer, 'c', Number.MIN_SAFE_INTEGER);
    writeWatermark(out, 1234);
    writeWatermarkStatus(out, 'IDLE');
    writeWatermarkStatus(out, 'ACTIVE');
    const input = new DataInputDeserializer(out.toUint8Array());
    const read = [];
    while (input.available() > 0) read.push(readElement(input, serializer));
    expect(read).to.deep.equal([
      { kind: 'record', value: ['a', 1] },
      { kind: 'record', value: { b: 2 }, timestamp: Number.MAX_SAFE_INTEGER },
      { kind: 'record', value: 'c', timestamp: Number.MIN_SAFE_INTEGER },
      { kind: 'watermark', mark: 1234 },
      { kind: 'watermark-status', status: 'IDLE' },
      { kind: 'watermark-status', status: 'ACTIVE' },
    ]);
    const plain = bytesOf((o) => serializer.serialize('word', o));
    expect(bytesOf((o) => writeRecord(o, serializer, 'word')).byteLength).to.equal(plain.byteLength + 1);
    expect(bytesOf((o) => writeRecord(o, serializer, 'word', 5)).byteLength).to.equal(plain.byteLength + 9);
  });

  it('round-trips checkpoint barriers with their options', () => {
    const barriers = [
      new CheckpointBarrier(1, 1_700_000_000_000, { type: 'CHECKPOINT', alignment: 'ALIGNED' }),
      new CheckpointBarrier(Number.MAX_SAFE_INTEGER, 0, {
        type: 'SAVEPOINT_CANONICAL',
        alignment: 'FORCED_ALIGNED',
        targetLocation: 'hdfs:///sp/é',
      }),
      new CheckpointBarrier(7, 3, { type: 'SAVEPOINT_NATIVE', alignment: 'UNALIGNED' }),
    ];
    for (const b of barriers) {
      const back = deserializeEvent(new DataInputDeserializer(bytesOf((out) => serializeEvent(b, out))));
      expect(back).to.be.instanceOf(CheckpointBarrier);
      expect(back).to.deep.equal(b);
    }
  });

  it('rejects unknown element tags and event types as corrupt', () => {
    expect(() => readElement(new DataInputDeserializer(Uint8Array.of(9)), serializer)).to.throw(/unknown tag 9/);
    expect(() => deserializeEvent(new DataInputDeserializer(Uint8Array.of(42)))).to.throw(/unknown event type 42/);
  });

  it('rejects an unknown buffer kind as corrupt', () => {
    expect(() => readBufferElements(Uint8Array.of(7, 0), serializer)).to.throw(/corrupt buffer: unknown kind 7/);
  });
});

/** A partition writer that keeps the buffers it ships, per subpartition. */
class CollectingWriter extends ResultPartitionWriter {
  readonly shipped: Uint8Array[][];

  constructor(numSubpartitions: number, segmentSize: number) {
    super(spec('ds#0#a', numSubpartitions), serializer, { segmentSize, buffersPerChannel: 2, floatingBuffers: 2 });
    this.shipped = Array.from({ length: numSubpartitions }, () => []);
  }

  protected ship(index: number, bytes: Uint8Array, length: number): void {
    // A copy: the writer reuses its buffer.
    this.shipped[index]!.push(Uint8Array.from(bytes.subarray(0, length)));
  }
  protected shipEvent(): void {}
  protected finishSubpartitions(): void {}
  fail(): void {}
  isAvailable(): boolean {
    return true;
  }
  whenAvailable(): Promise<void> {
    return Promise.resolve();
  }
  release(): void {}
}

describe('partition buffers', () => {
  const valueBytes = (v: unknown): number => bytesOf((o) => serializer.serialize(v, o)).byteLength;

  it('writes records without timestamps untagged in RECORDS buffers, and tags elements from the first one that needs it', () => {
    const writer = new CollectingWriter(2, 1 << 16);
    const plain = Array.from({ length: 100 }, (_, i) => ['k' + i, i]);
    for (const r of plain) writer.emit(r, 0);
    writer.emit('late', 0, 5);
    writer.emit('after', 0);
    writer.broadcastWatermark(7);
    writer.broadcast('both');
    writer.finish();

    const [first, second] = writer.shipped as [Uint8Array[], Uint8Array[]];
    // Subpartition 0: the RECORDS buffer went out when the timestamped record came.
    expect(first.length).to.equal(2);
    expect(first[0]![0]).to.equal(BufferKind.RECORDS);
    expect(first[0]!.byteLength).to.equal(1 + plain.reduce((n, r) => n + valueBytes(r), 0));
    expect(first[1]![0]).to.equal(BufferKind.ELEMENTS);
    expect(readBufferElements(first[0]!, serializer)).to.deep.equal(plain.map((value) => ({ kind: 'record', value })));
    expect(readBufferElements(first[1]!, serializer)).to.deep.equal([
      { kind: 'record', value: 'late', timestamp: 5 },
      { kind: 'record', value: 'after' },
      { kind: 'watermark', mark: 7 },
      { kind: 'record', value: 'both' },
    ]);
    // Subpartition 1: the watermark opened an ELEMENTS buffer.
    expect(second.length).to.equal(1);
    expect(readBufferElements(second[0]!, serializer)).to.deep.equal([
      { kind: 'watermark', mark: 7 },
      { kind: 'record', value: 'both' },
    ]);
  });

  it('moves the element that overflows a buffer to the next one, of the same kind', () => {
    for (const timestamped of [false, true]) {
      const writer = new CollectingWriter(1, 256);
      const records = Array.from({ length: 300 }, (_, i) => ['record-' + i, 'x'.repeat(i % 40)]);
      for (const [i, r] of records.entries()) writer.emit(r, 0, timestamped ? i : undefined);
      writer.broadcast('y'.repeat(600));
      writer.finish();
      const buffers = writer.shipped[0]!;
      expect(buffers.length).to.be.greaterThan(10);
      for (const b of buffers.slice(0, -1)) {
        expect(b[0]).to.equal(timestamped ? BufferKind.ELEMENTS : BufferKind.RECORDS);
        expect(b.byteLength).to.be.at.most(256 + 60);
      }
      const read = buffers.flatMap((b) => readBufferElements(b, serializer));
      expect(read).to.deep.equal([
        ...records.map((value, i) => (timestamped ? { kind: 'record', value, timestamp: i } : { kind: 'record', value })),
        { kind: 'record', value: 'y'.repeat(600) },
      ]);
    }
  });
});
