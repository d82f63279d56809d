const TWO_POW_32 = 4294967296;
/** Strings up to this length are copied character by character when ASCII (cheaper than a native call); longer ones are encoded natively. */
const MAX_LOOP_CHARS = 31;
/** Strings up to this length get three bytes per character reserved, so that they are encoded without measuring them first. */
const MAX_RESERVED_CHARS = 1 << 16;
/** Buffer's native UTF-8 encoder without the argument handling of `Buffer.write`. */
const utf8Write = (Buffer.prototype as unknown as { utf8Write: (this: Buffer, s: string, offset: number, length?: number) => number })
  .utf8Write;

/** Writes `n` (in [0, 2^53)) as unsigned LEB128 at `pos`, where there is room, and returns the position after it. */
function putVarUint(buf: Buffer, pos: number, n: number): number {
  while (n >= TWO_POW_32) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos] = n;
  return pos + 1;
}

/** Bytes of the unsigned LEB128 form of `n`. */
function varUintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/**
 * A growable byte sink for serializing records. One instance is reused for many records; all
 * multi-byte numbers are little-endian.
 */
export class DataOutputSerializer {
  /** Next write position; the valid bytes are [0, position). */
  position = 0;
  private buf: Buffer;
  private dataView: DataView | undefined;

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
    this.dataView = undefined;
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
    this.position = putVarUint(this.buf, this.position, n);
  }

  /**
   * The byte `tag` followed by `n`, an integer in [0, 2^32), as an unsigned LEB128: one capacity
   * check for both (a type tag and a length or an integer, the generic encoding's common pair).
   */
  writeTaggedVarUint32(tag: number, n: number): void {
    if (this.position + 6 > this.buf.length) this.grow(this.position + 6);
    const buf = this.buf;
    let pos = this.position;
    buf[pos++] = tag;
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos] = n;
    this.position = pos + 1;
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
    this.view().setFloat64(this.position, n, true);
    this.position += 8;
  }

  /** A DataView of the current backing array, made when first needed (V8 compiles its accessors to plain loads and stores). */
  private view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length));
  }

  /** Varuint byte length followed by UTF-8. */
  writeString(s: string): void {
    if (s.length <= MAX_LOOP_CHARS && this.writeTaggedAscii(s.length, s)) return;
    this.writeUtf8WithLength(s);
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

  /**
   * Varuint byte length followed by UTF-8, for any string. The text is encoded in one native call
   * behind room for the length of an all-ASCII string, and moved in the rare case that its
   * UTF-8 length needs a longer varuint; strings too long to reserve three bytes per character
   * for are measured first instead. Returns the UTF-8 length.
   */
  writeUtf8WithLength(s: string): number {
    if (s.length > MAX_RESERVED_CHARS) {
      const byteLength = Buffer.byteLength(s, 'utf8');
      this.writeVarUint(byteLength);
      this.ensureCapacity(byteLength);
      this.position += utf8Write.call(this.buf, s, this.position, byteLength);
      return byteLength;
    }
    const head = varUintSize(s.length);
    this.ensureCapacity(varUintSize(s.length * 3) + s.length * 3);
    const start = this.position;
    const written = utf8Write.call(this.buf, s, start + head);
    const needed = varUintSize(written);
    if (needed !== head) this.buf.copyWithin(start + needed, start + head, start + head + written);
    this.position = putVarUint(this.buf, start, written) + written;
    return written;
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
