import { SpindleError } from '../errors.js';
import { decodeAscii, isAscii } from './ascii.js';

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const EMPTY = Buffer.alloc(0);
/** Buffer's native decoder, called without the argument checks of `toString` (the range is checked here). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: (this: Buffer, start: number, end: number) => string }).utf8Slice;

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads what DataOutputSerializer wrote, from [offset, end) of a byte array, without copying. */
export class DataInputDeserializer {
  position = 0;
  private buf: Buffer = EMPTY;
  private end = 0;

  constructor(buf?: Uint8Array, offset?: number, end?: number) {
    if (buf !== undefined) this.setBuffer(buf, offset, end);
  }

  setBuffer(buf: Uint8Array, offset = 0, end = buf.length): void {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new RangeError(`invalid range [${offset}, ${end}) of a buffer of ${buf.length} bytes`);
    }
    this.buf = asBuffer(buf);
    this.position = offset;
    this.end = end;
  }

  available(): number {
    return this.end - this.position;
  }

  /** Exclusive end of the readable range. */
  limit(): number {
    return this.end;
  }

  readByte(): number {
    if (this.position >= this.end) throw eof(1, 0);
    return this.buf[this.position++]!;
  }

  readVarUint(): number {
    const first = this.readByte();
    return first < 0x80 ? first : this.readVarUintTail(first);
  }

  private readVarUintTail(first: number): number {
    let result = first & 0x7f;
    let factor = 128;
    for (let i = 1; i < 8; i++) {
      const b = this.readByte();
      result += (b & 0x7f) * factor;
      if (b < 0x80) return result;
      factor *= 128;
    }
    throw new SpindleError('malformed varint: longer than 8 bytes', { code: 'CORRUPT' });
  }

  readInt32(): number {
    const pos = this.require(4);
    const b = this.buf;
    return b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24);
  }

  readFloat64(): number {
    const pos = this.require(8);
    const b = this.buf;
    for (let i = 0; i < 8; i++) scratchBytes[i] = b[pos + i]!;
    return scratch[0]!;
  }

  /** Varuint byte length followed by UTF-8. */
  readString(): string {
    return this.readUtf8(this.readVarUint());
  }

  /** `n` bytes of UTF-8. */
  readUtf8(n: number): string {
    const pos = this.require(n);
    if (n <= 32 && isAscii(this.buf, pos, n)) return decodeAscii(this.buf, pos, n);
    return utf8Slice.call(this.buf, pos, pos + n);
  }

  /** `n` bytes that the writer guarantees to be ASCII. */
  readAscii(n: number): string {
    return decodeAscii(this.buf, this.require(n), n);
  }

  /** A view of the next `n` bytes (not a copy); it is only valid until the buffer is reused. */
  readBytes(n: number): Uint8Array {
    const pos = this.require(n);
    return this.buf.subarray(pos, pos + n);
  }

  /** @internal The underlying Buffer, for decoders that read it directly (avsc). */
  rawBuffer(): Buffer {
    return this.buf;
  }

  /** Consumes `n` bytes and returns where they start; throws EOF when fewer remain. */
  require(n: number): number {
    const pos = this.position;
    if (n > this.end - pos || n < 0) throw eof(n, this.end - pos);
    this.position = pos + n;
    return pos;
  }
}

function eof(wanted: number, available: number): SpindleError {
  return new SpindleError(`read past the end of the input: ${wanted} bytes wanted, ${available} available`, {
    code: 'EOF',
  });
}
