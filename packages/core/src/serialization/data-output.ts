const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const TWO_POW_32 = 4294967296;
/** From this length on, Buffer's native encoder beats a loop over the characters. */
const NATIVE_ENCODE_MIN = 16;
/** Buffer's native encoder, without the argument checks of `write` (the capacity is ensured here). */
const utf8Write = (Buffer.prototype as unknown as { utf8Write: (this: Buffer, s: string, offset: number) => number }).utf8Write;

/**
 * A growable byte sink for serializing records. One instance is reused for many records; all
 * multi-byte numbers are little-endian.
 */
export class DataOutputSerializer {
  /** Next write position; the valid bytes are [0, position). */
  position = 0;
  private buf: Buffer;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(8, initialSize));
  }

  clear(): void {
    this.position = 0;
  }

  /** Makes room for `n` more bytes after `position`. */
  ensureCapacity(n: number): void {
    const needed = this.position + n;
    if (needed > this.buf.length) this.grow(needed);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.position);
    this.buf = next;
  }

  writeByte(b: number): void {
    if (this.position >= this.buf.length) this.grow(this.position + 1);
    this.buf[this.position++] = b;
  }

  /** Unsigned LEB128 of an integer in [0, 2^53). */
  writeVarUint(n: number): void {
    if (n < 0x80) {
      this.writeByte(n);
      return;
    }
    this.ensureCapacity(8);
    const buf = this.buf;
    let pos = this.position;
    while (n >= TWO_POW_32) {
      buf[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.position = pos;
  }

  writeInt32(n: number): void {
    this.ensureCapacity(4);
    const buf = this.buf;
    const pos = this.position;
    buf[pos] = n;
    buf[pos + 1] = n >>> 8;
    buf[pos + 2] = n >>> 16;
    buf[pos + 3] = n >>> 24;
    this.position = pos + 4;
  }

  writeFloat64(n: number): void {
    this.ensureCapacity(8);
    scratch[0] = n;
    const buf = this.buf;
    const pos = this.position;
    for (let i = 0; i < 8; i++) buf[pos + i] = scratchBytes[i]!;
    this.position = pos + 8;
  }

  /** Varuint byte length followed by UTF-8. */
  writeString(s: string): void {
    const len = s.length;
    if (len < NATIVE_ENCODE_MIN) {
      if (this.writeTaggedAscii(len, s)) return;
    } else if (len < 0x80) return this.writeShortUtf8(s);
    this.writeUtf8WithLength(s);
  }

  /**
   * A string of 16 to 127 UTF-16 units, encoded natively in place: at most 381 bytes, so its
   * varuint length takes one byte, or two (the bytes then move up by one).
   */
  private writeShortUtf8(s: string): void {
    this.ensureCapacity(2 + 3 * s.length);
    const buf = this.buf;
    const pos = this.position;
    const n = utf8Write.call(buf, s, pos + 1);
    if (n < 0x80) {
      buf[pos] = n;
      this.position = pos + 1 + n;
      return;
    }
    buf.copyWithin(pos + 2, pos + 1, pos + 1 + n);
    buf[pos] = (n & 0x7f) | 0x80;
    buf[pos + 1] = n >>> 7;
    this.position = pos + 2 + n;
  }

  /**
   * Writes the byte `tag` followed by `s` as single bytes if every character of `s` is ASCII.
   * Returns false, leaving `position` unchanged, at the first non-ASCII character.
   */
  writeTaggedAscii(tag: number, s: string): boolean {
    const len = s.length;
    if (this.position + len + 1 > this.buf.length) this.grow(this.position + len + 1);
    const buf = this.buf;
    const start = this.position;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[start + 1 + i] = c;
    }
    buf[start] = tag;
    this.position = start + 1 + len;
    return true;
  }

  /** Varuint byte length followed by UTF-8, for any string. */
  writeUtf8WithLength(s: string): void {
    const byteLength = Buffer.byteLength(s, 'utf8');
    this.writeVarUint(byteLength);
    this.ensureCapacity(byteLength);
    this.position += this.buf.write(s, this.position, byteLength, 'utf8');
  }

  writeBytes(b: Uint8Array): void {
    this.ensureCapacity(b.length);
    this.buf.set(b, this.position);
    this.position += b.length;
  }

  /** The current backing array (replaced when it grows); the valid bytes are [0, position). */
  buffer(): Uint8Array {
    return this.buf;
  }

  /** A copy of the valid bytes. */
  toUint8Array(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.position));
  }

  /** @internal Direct access for serializers in this package (avsc writes into the Buffer itself). */
  rawBuffer(): Buffer {
    return this.buf;
  }
}
