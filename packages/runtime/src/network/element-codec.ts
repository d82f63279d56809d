import { DataInputDeserializer, SpindleError, type DataOutputSerializer, type TypeSerializer } from '@spindle/core';
import {
  CheckpointBarrier,
  InvalidTimestampError,
  Watermark,
  describeValue,
  type CheckpointAlignment,
  type CheckpointType,
  type RuntimeEvent,
  type WatermarkStatus,
} from './stream-elements.js';

/**
 * The stream elements inside a buffer (in the spirit of Flink's StreamElementSerializer). A
 * buffer's first byte is its kind (BufferKind): a RECORDS buffer holds only records without
 * timestamp, each written as its serialized value alone; an ELEMENTS buffer holds tagged elements,
 * a tag byte (ElementTag), then the element:
 *
 * - RECORD: the value
 * - TIMESTAMPED_RECORD: timestamp (int64), then the value
 * - WATERMARK: the watermark (int64; `Long.MIN_VALUE`/`Long.MAX_VALUE` for the sentinels)
 * - WATERMARK_STATUS: 0 idle, 1 active
 *
 * So records without timestamps, the whole stream of a job without event time, cost nothing over
 * their serialized values; a writer starts an ELEMENTS buffer for the first element that needs a
 * tag (a RECORDS buffer holding records is sent first). Int64 values are written little-endian,
 * as the rest of the record encoding.
 */
export const BufferKind = {
  RECORDS: 0,
  ELEMENTS: 1,
} as const;

export const ElementTag = {
  RECORD: 0,
  TIMESTAMPED_RECORD: 1,
  WATERMARK: 2,
  WATERMARK_STATUS: 3,
} as const;

const TWO_POW_32 = 2 ** 32;
/** High words of Long.MAX_VALUE and Long.MIN_VALUE (their low words are 0xffffffff and 0). */
const LONG_MAX_HIGH = 0x7fffffff;
const LONG_MIN_HIGH = -0x80000000;

function writeInt64Words(out: DataOutputSerializer, high: number, low: number): void {
  out.writeInt32(low | 0);
  out.writeInt32(high);
}

/**
 * Writes a timestamp or watermark as a signed 64-bit integer; -Infinity and +Infinity become
 * Long.MIN_VALUE and Long.MAX_VALUE. Anything else that is not a safe integer is refused (never
 * rounded).
 */
export function writeInt64Timestamp(out: DataOutputSerializer, ts: number): void {
  if (Number.isSafeInteger(ts)) {
    const high = Math.floor(ts / TWO_POW_32);
    writeInt64Words(out, high, ts - high * TWO_POW_32);
  } else if (ts === Number.POSITIVE_INFINITY) writeInt64Words(out, LONG_MAX_HIGH, 0xffffffff);
  else if (ts === Number.NEGATIVE_INFINITY) writeInt64Words(out, LONG_MIN_HIGH, 0);
  else {
    throw new InvalidTimestampError(
      `cannot send the timestamp ${describeValue(ts)}: timestamps must be integer milliseconds between ` +
        `Number.MIN_SAFE_INTEGER and Number.MAX_SAFE_INTEGER`,
    );
  }
}

/** Reads what `writeInt64Timestamp` wrote; a 64-bit value outside the safe range is corrupt data. */
export function readInt64Timestamp(input: DataInputDeserializer): number {
  const low = input.readInt32() >>> 0;
  const high = input.readInt32();
  if (high === LONG_MAX_HIGH && low === 0xffffffff) return Number.POSITIVE_INFINITY;
  if (high === LONG_MIN_HIGH && low === 0) return Number.NEGATIVE_INFINITY;
  const value = high * TWO_POW_32 + low;
  if (!Number.isSafeInteger(value)) {
    throw new SpindleError(`corrupt timestamp: the 64-bit value ${BigInt(high) * 2n ** 32n + BigInt(low)} is outside the safe range`, {
      code: 'CORRUPT',
    });
  }
  return value;
}

/** Writes a record; `timestamp` undefined means the record has none. */
export function writeRecord(out: DataOutputSerializer, serializer: TypeSerializer<unknown>, value: unknown, timestamp?: number): void {
  if (timestamp === undefined) {
    out.writeByte(ElementTag.RECORD);
  } else {
    out.writeByte(ElementTag.TIMESTAMPED_RECORD);
    writeInt64Timestamp(out, timestamp);
  }
  serializer.serialize(value, out);
}

export function writeWatermark(out: DataOutputSerializer, mark: Watermark): void {
  out.writeByte(ElementTag.WATERMARK);
  writeInt64Timestamp(out, mark);
}

export function writeWatermarkStatus(out: DataOutputSerializer, status: WatermarkStatus): void {
  out.writeByte(ElementTag.WATERMARK_STATUS);
  out.writeByte(status === 'IDLE' ? 0 : 1);
}

export function readWatermarkStatus(input: DataInputDeserializer): WatermarkStatus {
  const b = input.readByte();
  if (b > 1) throw new SpindleError(`corrupt watermark status ${b}`, { code: 'CORRUPT' });
  return b === 0 ? 'IDLE' : 'ACTIVE';
}

export type StreamElement =
  | { kind: 'record'; value: unknown; timestamp?: number }
  | { kind: 'watermark'; mark: Watermark }
  | { kind: 'watermark-status'; status: WatermarkStatus };

/** Reads one tagged element (of an ELEMENTS buffer). */
export function readElement(input: DataInputDeserializer, serializer: TypeSerializer<unknown>): StreamElement {
  const tag = input.readByte();
  switch (tag) {
    case ElementTag.RECORD:
      return { kind: 'record', value: serializer.deserialize(input) };
    case ElementTag.TIMESTAMPED_RECORD: {
      const timestamp = readInt64Timestamp(input);
      return { kind: 'record', value: serializer.deserialize(input), timestamp };
    }
    case ElementTag.WATERMARK:
      return { kind: 'watermark', mark: readInt64Timestamp(input) };
    case ElementTag.WATERMARK_STATUS:
      return { kind: 'watermark-status', status: readWatermarkStatus(input) };
    default:
      throw corruptTag(tag);
  }
}

/** Reads a buffer's kind byte: whether its elements are untagged records (RECORDS). */
export function readBufferKind(input: DataInputDeserializer): boolean {
  const kind = input.readByte();
  if (kind > BufferKind.ELEMENTS) throw new SpindleError(`corrupt buffer: unknown kind ${kind}`, { code: 'CORRUPT' });
  return kind === BufferKind.RECORDS;
}

/** Every element of a buffer, one object each. The task's input loop reads buffers inline instead (no object per record). */
export function readBufferElements(buffer: Uint8Array, serializer: TypeSerializer<unknown>): StreamElement[] {
  const input = new DataInputDeserializer(buffer, 0, buffer.byteLength);
  const elements: StreamElement[] = [];
  if (input.available() === 0) return elements;
  const records = readBufferKind(input);
  while (input.available() > 0) {
    elements.push(records ? { kind: 'record', value: serializer.deserialize(input) } : readElement(input, serializer));
  }
  return elements;
}

export function corruptTag(tag: number): SpindleError {
  return new SpindleError(`corrupt stream element: unknown tag ${tag}`, { code: 'CORRUPT' });
}

/**
 * Events travel outside buffers, as their own messages in order with them (Flink's
 * EventSerializer): a type byte, then the event. CheckpointBarrier: id (int64), timestamp
 * (int64), checkpoint type (u8), alignment (u8), target location (u8 presence, then UTF-8 with a
 * varuint length).
 */
const EventType = { CHECKPOINT_BARRIER: 1 } as const;
const CHECKPOINT_TYPES: readonly CheckpointType[] = ['CHECKPOINT', 'SAVEPOINT_CANONICAL', 'SAVEPOINT_NATIVE'];
const ALIGNMENTS: readonly CheckpointAlignment[] = ['ALIGNED', 'AT_LEAST_ONCE', 'UNALIGNED', 'FORCED_ALIGNED'];

export function serializeEvent(event: RuntimeEvent, out: DataOutputSerializer): void {
  out.writeByte(EventType.CHECKPOINT_BARRIER);
  writeInt64Timestamp(out, event.checkpointId);
  writeInt64Timestamp(out, event.timestamp);
  out.writeByte(CHECKPOINT_TYPES.indexOf(event.options.type));
  out.writeByte(ALIGNMENTS.indexOf(event.options.alignment));
  const target = event.options.targetLocation;
  out.writeByte(target === undefined ? 0 : 1);
  if (target !== undefined) out.writeUtf8WithLength(target);
}

export function deserializeEvent(input: DataInputDeserializer): RuntimeEvent {
  const type = input.readByte();
  if (type !== EventType.CHECKPOINT_BARRIER) throw new SpindleError(`corrupt event: unknown event type ${type}`, { code: 'CORRUPT' });
  const id = readInt64Timestamp(input);
  const timestamp = readInt64Timestamp(input);
  const checkpointType = CHECKPOINT_TYPES[input.readByte()];
  const alignment = ALIGNMENTS[input.readByte()];
  if (checkpointType === undefined || alignment === undefined) throw new SpindleError('corrupt checkpoint barrier', { code: 'CORRUPT' });
  const target = input.readByte() === 1 ? input.readString() : undefined;
  return new CheckpointBarrier(id, timestamp, {
    type: checkpointType,
    alignment,
    ...(target === undefined ? {} : { targetLocation: target }),
  });
}
