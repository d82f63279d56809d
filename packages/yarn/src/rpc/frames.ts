/**
 * Hadoop IPC framing: a 7-byte preamble per connection, then frames of a 4-byte big-endian length
 * followed by varint-delimited protobuf messages (a header, then the payload messages).
 */
import protobuf from 'protobufjs';
import { YarnError } from '../errors.js';
import { messageType, toPlain } from '../proto.js';

/** `hrpc`, IPC version 9, service class 0, auth protocol SASL (-33). */
export const PREAMBLE_SASL = Buffer.from([0x68, 0x72, 0x70, 0x63, 9, 0, 0xdf]);

export const CALL_ID = { sasl: -33, connectionContext: -3, ping: -4, authFailed: -1 } as const;

/** Hadoop servers reject frames above ipc.maximum.data.length (128 MiB); we refuse larger responses. */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

export interface RequestHeader {
  callId: number;
  clientId: Buffer;
  retryCount: number;
}

export interface ResponseHeader {
  callId: number;
  status: 'SUCCESS' | 'ERROR' | 'FATAL';
  serverIpcVersionNum?: number;
  exceptionClassName?: string;
  errorMsg?: string;
  errorDetail?: string;
  clientId?: Buffer;
}

/** One frame: the request header followed by each message, every one length-delimited. */
export function encodeFrame(header: RequestHeader, messages: Uint8Array[]): Buffer {
  const w = protobuf.Writer.create();
  w.bytes(encodeRequestHeader(header));
  for (const m of messages) w.bytes(m);
  const body = w.finish();
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

function encodeRequestHeader(h: RequestHeader): Uint8Array {
  const type = messageType('hadoop.common.RpcRequestHeaderProto');
  return type
    .encode(
      type.fromObject({
        rpcKind: 'RPC_PROTOCOL_BUFFER',
        rpcOp: 'RPC_FINAL_PACKET',
        callId: h.callId,
        clientId: h.clientId,
        retryCount: h.retryCount,
      }),
    )
    .finish();
}

/** A received frame: its decoded response header and the bytes of each following message. */
export interface ResponseFrame {
  header: ResponseHeader;
  messages: Buffer[];
}

export function decodeResponseFrame(body: Buffer): ResponseFrame {
  const reader = protobuf.Reader.create(body);
  const headerType = messageType('hadoop.common.RpcResponseHeaderProto');
  const raw = toPlain<ResponseHeader>(headerType, headerType.decode(reader.bytes()));
  // callId is uint32 on the response: the server writes -33 as 4294967263.
  const header = { ...raw, callId: raw.callId | 0 };
  const messages: Buffer[] = [];
  while (reader.pos < reader.len) messages.push(Buffer.from(reader.bytes()));
  return { header, messages };
}

/** Splits a TCP byte stream into frame bodies, whatever the chunking. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readInt32BE(0);
      if (length <= 0 || length > MAX_FRAME_BYTES) {
        throw new YarnError('HADOOP_RPC_PROTOCOL', `invalid Hadoop RPC response length ${length}`, { recoverability: 'recoverable' });
      }
      if (this.buffered < 4 + length) break;
      frames.push(this.take(4 + length).subarray(4));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
