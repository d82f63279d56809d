import { SpindleError } from '@spindle/core';

/**
 * The frames of the TCP shuffle. Every frame starts with a 9-byte header: the frame length
 * (u32, header included), the message type (u8) and the channel id (u32), all big-endian.
 * Channel ids are chosen by the client, one per requested subpartition on a connection; id 0
 * means the connection itself (an Error with channel 0 fails every channel).
 *
 * Bodies:
 * - PartitionRequest: subpartition u32, initial credit u32, partition id (u16 length + UTF-8),
 *   the consumer's job id (u16 length + UTF-8; empty when unknown)
 * - Buffer: backlog u32, then the buffer's bytes up to the end of the frame
 * - Error: the message in UTF-8 up to the end of the frame
 * - Event: a serialized event (element-codec.ts), e.g. a checkpoint barrier, up to the end of the frame
 * - AddCredit: credit u32
 * - EndOfPartition, CancelPartition, CloseRequest: empty
 */
export const FrameType = {
  PartitionRequest: 1,
  Buffer: 2,
  EndOfPartition: 3,
  Error: 4,
  AddCredit: 5,
  CancelPartition: 6,
  CloseRequest: 7,
  Event: 8,
} as const;

export const FRAME_HEADER_LENGTH = 9;
const BUFFER_PREFIX_LENGTH = FRAME_HEADER_LENGTH + 4;
/** Frames other than Buffer are small; anything larger is corrupt. */
const MAX_CONTROL_FRAME_LENGTH = 128 * 1024;
/** Longer error messages are cut so that an Error frame always fits. */
const MAX_ERROR_MESSAGE_BYTES = 32 * 1024;
export const DEFAULT_MAX_FRAME_LENGTH = 256 * 1024 * 1024;

export type ShuffleFrame =
  | {
      type: 'partition-request';
      channelId: number;
      partitionId: string;
      subpartition: number;
      initialCredit: number;
      /** The job of the consumer (and so of the partition): the server releases the request when that job ends. */
      jobId?: string;
    }
  | { type: 'buffer'; channelId: number; backlog: number; data: ArrayBuffer }
  | { type: 'event'; channelId: number; data: ArrayBuffer }
  | { type: 'end-of-partition'; channelId: number }
  | { type: 'error'; channelId: number; message: string }
  | { type: 'add-credit'; channelId: number; credit: number }
  | { type: 'cancel-partition'; channelId: number }
  | { type: 'close-request' };

/** Bytes on the wire that are not a valid frame; the connection that sent them must be closed. */
export class CorruptFrameError extends SpindleError {
  constructor(message: string) {
    super(message, { code: 'SHUFFLE_CORRUPT_FRAME', recoverability: 'recoverable' });
    this.name = 'CorruptFrameError';
  }
}

function writeHeader(target: Buffer, frameLength: number, type: number, channelId: number): void {
  target.writeUInt32BE(frameLength, 0);
  target.writeUInt8(type, 4);
  target.writeUInt32BE(channelId, 5);
}

/** The header and backlog of a Buffer frame; the `length` data bytes follow it on the wire. */
export function encodeBufferPrefix(channelId: number, backlog: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(BUFFER_PREFIX_LENGTH);
  writeHeader(out, BUFFER_PREFIX_LENGTH + length, FrameType.Buffer, channelId);
  out.writeUInt32BE(backlog, FRAME_HEADER_LENGTH);
  return out;
}

/** One whole frame in a fresh buffer (Buffer frames are copied; senders use `encodeBufferPrefix`). */
export function encodeFrame(frame: ShuffleFrame): Buffer {
  switch (frame.type) {
    case 'partition-request':
      return encodePartitionRequest(frame.channelId, frame.partitionId, frame.subpartition, frame.initialCredit, frame.jobId ?? '');
    case 'buffer': {
      const prefix = encodeBufferPrefix(frame.channelId, frame.backlog, frame.data.byteLength);
      return Buffer.concat([prefix, new Uint8Array(frame.data)]);
    }
    case 'event': {
      const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + frame.data.byteLength);
      writeHeader(out, out.length, FrameType.Event, frame.channelId);
      out.set(new Uint8Array(frame.data), FRAME_HEADER_LENGTH);
      return out;
    }
    case 'end-of-partition':
      return emptyFrame(FrameType.EndOfPartition, frame.channelId);
    case 'error':
      return encodeError(frame.channelId, frame.message);
    case 'add-credit': {
      const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 4);
      writeHeader(out, out.length, FrameType.AddCredit, frame.channelId);
      out.writeUInt32BE(frame.credit, FRAME_HEADER_LENGTH);
      return out;
    }
    case 'cancel-partition':
      return emptyFrame(FrameType.CancelPartition, frame.channelId);
    case 'close-request':
      return emptyFrame(FrameType.CloseRequest, 0);
  }
}

function emptyFrame(type: number, channelId: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  writeHeader(out, FRAME_HEADER_LENGTH, type, channelId);
  return out;
}

function encodePartitionRequest(channelId: number, partitionId: string, subpartition: number, credit: number, jobId: string): Buffer {
  const id = Buffer.from(partitionId, 'utf8');
  const job = Buffer.from(jobId, 'utf8');
  if (id.length > 0xffff) throw new RangeError(`partition id longer than 65535 bytes: ${partitionId.slice(0, 80)}...`);
  if (job.length > 0xffff) throw new RangeError(`job id longer than 65535 bytes: ${jobId.slice(0, 80)}...`);
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 12 + id.length + job.length);
  writeHeader(out, out.length, FrameType.PartitionRequest, channelId);
  out.writeUInt32BE(subpartition, FRAME_HEADER_LENGTH);
  out.writeUInt32BE(credit, FRAME_HEADER_LENGTH + 4);
  out.writeUInt16BE(id.length, FRAME_HEADER_LENGTH + 8);
  id.copy(out, FRAME_HEADER_LENGTH + 10);
  out.writeUInt16BE(job.length, FRAME_HEADER_LENGTH + 10 + id.length);
  job.copy(out, FRAME_HEADER_LENGTH + 12 + id.length);
  return out;
}

function encodeError(channelId: number, message: string): Buffer {
  let text = Buffer.from(message, 'utf8');
  if (text.length > MAX_ERROR_MESSAGE_BYTES) text = Buffer.from(text.subarray(0, MAX_ERROR_MESSAGE_BYTES).toString('utf8'), 'utf8');
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + text.length);
  writeHeader(out, out.length, FrameType.Error, channelId);
  text.copy(out, FRAME_HEADER_LENGTH);
  return out;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function utf8(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

export interface FrameDecoderOptions {
  /** Frames longer than this are rejected as corrupt (default 256 MiB). */
  maxFrameLength?: number;
}

/**
 * Turns a byte stream into frames, whatever the chunking: a frame may span many chunks and a
 * chunk may hold many frames. The data of a Buffer frame is copied once, straight from the
 * chunks into a fresh ArrayBuffer of its own (at offset 0) that the receiver may keep; other
 * frames are parsed in place, or from a small scratch buffer when they are split.
 *
 * `push()` throws a CorruptFrameError on invalid input, and keeps throwing it afterwards.
 */
export class FrameDecoder {
  private readonly maxFrameLength: number;
  private scratch = new Uint8Array(256);
  private scratchFilled = 0;
  private data: Uint8Array | undefined;
  private dataFilled = 0;
  private dataChannel = 0;
  private dataBacklog = 0;
  private failure: CorruptFrameError | undefined;

  constructor(
    private readonly onFrame: (frame: ShuffleFrame) => void,
    options: FrameDecoderOptions = {},
  ) {
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  }

  /** True when no partial frame is held. */
  get idle(): boolean {
    return this.scratchFilled === 0 && this.data === undefined;
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.consume(chunk);
    } catch (e) {
      if (e instanceof CorruptFrameError) this.failure = e;
      throw e;
    }
  }

  private consume(chunk: Uint8Array): void {
    const end = chunk.byteLength;
    let pos = 0;
    while (pos < end) {
      if (this.data) {
        pos = this.fillData(chunk, pos);
      } else if (this.scratchFilled === 0 && end - pos >= FRAME_HEADER_LENGTH) {
        const need = this.prefixLength(chunk, pos);
        if (end - pos < need) pos = this.accumulate(chunk, pos);
        else {
          this.onPrefix(chunk, pos);
          pos += need;
        }
      } else {
        pos = this.accumulate(chunk, pos);
      }
    }
  }

  /** Bytes to hold before a frame can be handled: all of it, or a Buffer frame's header and backlog. */
  private prefixLength(bytes: Uint8Array, at: number): number {
    const length = u32(bytes, at);
    const type = bytes[at + 4]!;
    if (type < FrameType.PartitionRequest || type > FrameType.Event) {
      throw new CorruptFrameError(`unknown shuffle message type ${type} (frame length ${length})`);
    }
    if (type === FrameType.Buffer) {
      if (length < BUFFER_PREFIX_LENGTH || length > this.maxFrameLength) {
        throw new CorruptFrameError(`Buffer frame with impossible length ${length} (limit ${this.maxFrameLength} bytes)`);
      }
      return BUFFER_PREFIX_LENGTH;
    }
    if (length < FRAME_HEADER_LENGTH || length > MAX_CONTROL_FRAME_LENGTH) {
      throw new CorruptFrameError(`shuffle frame of type ${type} with impossible length ${length}`);
    }
    return length;
  }

  /** Copies bytes of a split prefix into the scratch buffer; handles the prefix once complete. */
  private accumulate(chunk: Uint8Array, pos: number): number {
    if (this.scratchFilled < FRAME_HEADER_LENGTH) {
      const n = Math.min(FRAME_HEADER_LENGTH - this.scratchFilled, chunk.byteLength - pos);
      this.scratch.set(chunk.subarray(pos, pos + n), this.scratchFilled);
      this.scratchFilled += n;
      pos += n;
      if (this.scratchFilled < FRAME_HEADER_LENGTH) return pos;
    }
    const need = this.prefixLength(this.scratch, 0);
    if (need > this.scratch.byteLength) this.grow(need);
    const n = Math.min(need - this.scratchFilled, chunk.byteLength - pos);
    this.scratch.set(chunk.subarray(pos, pos + n), this.scratchFilled);
    this.scratchFilled += n;
    pos += n;
    if (this.scratchFilled === need) {
      this.scratchFilled = 0;
      this.onPrefix(this.scratch, 0);
    }
    return pos;
  }

  private grow(size: number): void {
    const bigger = new Uint8Array(size);
    bigger.set(this.scratch.subarray(0, this.scratchFilled));
    this.scratch = bigger;
  }

  private fillData(chunk: Uint8Array, pos: number): number {
    const data = this.data!;
    const n = Math.min(data.byteLength - this.dataFilled, chunk.byteLength - pos);
    data.set(chunk.subarray(pos, pos + n), this.dataFilled);
    this.dataFilled += n;
    if (this.dataFilled === data.byteLength) {
      this.data = undefined;
      this.emitBuffer(data.buffer as ArrayBuffer);
    }
    return pos + n;
  }

  private emitBuffer(data: ArrayBuffer): void {
    this.onFrame({ type: 'buffer', channelId: this.dataChannel, backlog: this.dataBacklog, data });
  }

  /** Handles a complete prefix at `bytes[at..]`, validated by `prefixLength`. */
  private onPrefix(bytes: Uint8Array, at: number): void {
    const length = u32(bytes, at);
    const type = bytes[at + 4]!;
    const channelId = u32(bytes, at + 5);
    if (type === FrameType.Buffer) {
      this.dataChannel = channelId;
      this.dataBacklog = u32(bytes, at + FRAME_HEADER_LENGTH);
      const size = length - BUFFER_PREFIX_LENGTH;
      const data = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
      if (size === 0) this.emitBuffer(data.buffer);
      else {
        this.data = data;
        this.dataFilled = 0;
      }
      return;
    }
    this.onFrame(parseControlFrame(bytes, at, length, type, channelId));
  }
}

function parseControlFrame(bytes: Uint8Array, at: number, length: number, type: number, channelId: number): ShuffleFrame {
  const body = at + FRAME_HEADER_LENGTH;
  const bodyLength = length - FRAME_HEADER_LENGTH;
  const expectBody = (n: number, name: string): void => {
    if (bodyLength !== n) throw new CorruptFrameError(`${name} frame with a body of ${bodyLength} bytes, expected ${n}`);
  };
  switch (type) {
    case FrameType.PartitionRequest: {
      const idLength = bodyLength >= 10 ? u16(bytes, body + 8) : 0;
      const jobAt = body + 10 + idLength;
      if (bodyLength < 12 + idLength)
        throw new CorruptFrameError(`PartitionRequest frame with a body of ${bodyLength} bytes, expected at least ${12 + idLength}`);
      expectBody(12 + idLength + u16(bytes, jobAt), 'PartitionRequest');
      const partitionId = utf8(bytes, body + 10, jobAt);
      const jobId = utf8(bytes, jobAt + 2, at + length);
      const request = { partitionId, subpartition: u32(bytes, body), initialCredit: u32(bytes, body + 4) };
      return { type: 'partition-request', channelId, ...request, ...(jobId ? { jobId } : {}) };
    }
    case FrameType.EndOfPartition:
      expectBody(0, 'EndOfPartition');
      return { type: 'end-of-partition', channelId };
    case FrameType.Error:
      return { type: 'error', channelId, message: utf8(bytes, body, at + length) };
    case FrameType.Event:
      // A copy of its own: the bytes may sit in a chunk or the decoder's scratch buffer.
      return { type: 'event', channelId, data: new Uint8Array(bytes.subarray(body, at + length)).buffer };
    case FrameType.AddCredit:
      expectBody(4, 'AddCredit');
      return { type: 'add-credit', channelId, credit: u32(bytes, body) };
    case FrameType.CancelPartition:
      expectBody(0, 'CancelPartition');
      return { type: 'cancel-partition', channelId };
    default:
      expectBody(0, 'CloseRequest');
      return { type: 'close-request' };
  }
}
