import { expect } from 'chai';
import { DataInputDeserializer, DataOutputSerializer, GenericSerializer } from '@spindle/core';
import {
  deserializeEvent,
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
});
