/**
 * Hadoop's Writable encodings used by token files: WritableUtils VInt/VLong (a sign-aware,
 * big-endian variable-length integer, not protobuf's varint) and Text (VInt length + UTF-8).
 */
import { YarnError } from '../errors.js';

export class WritableReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  readVLong(): bigint {
    const first = this.byte();
    if (first >= -112) return BigInt(first);
    const negative = first < -120;
    const len = negative ? -(first + 120) : -(first + 112);
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(this.byte() & 0xff);
    return negative ? ~v : v;
  }

  /** A VInt that must fit a non-negative length. */
  readLength(what: string): number {
    const v = this.readVLong();
    if (v < 0n || v > BigInt(this.remaining)) throw tokenFileError(`bad ${what} length ${v} at offset ${this.pos}`);
    return Number(v);
  }

  readBytes(n: number): Buffer {
    if (n > this.remaining) throw tokenFileError(`truncated: ${n} bytes wanted at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(out);
  }

  readText(what: string): string {
    return this.readBytes(this.readLength(what)).toString('utf8');
  }

  private byte(): number {
    if (this.remaining < 1) throw tokenFileError(`truncated at offset ${this.pos}`);
    return this.buf.readInt8(this.pos++);
  }
}

export function encodeVLong(value: bigint | number): Buffer {
  let v = BigInt(value);
  if (v >= -112n && v <= 127n) return Buffer.from([Number(v) & 0xff]);
  let base = -112;
  if (v < 0n) {
    v = ~v;
    base = -120;
  }
  const bytes: number[] = [];
  for (let t = v; t !== 0n; t >>= 8n) bytes.unshift(Number(t & 0xffn));
  return Buffer.from([(base - bytes.length) & 0xff, ...bytes]);
}

export function encodeText(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([encodeVLong(b.length), b]);
}

export function encodeBytes(b: Uint8Array): Buffer {
  return Buffer.concat([encodeVLong(b.length), b]);
}

export function tokenFileError(message: string, cause?: unknown): YarnError {
  return new YarnError('HADOOP_TOKEN_FILE', `Hadoop token storage: ${message}`, { recoverability: 'non-recoverable', cause });
}
