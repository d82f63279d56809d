/**
 * Decodes `len` bytes known to be ASCII. Short strings are built with a single
 * String.fromCharCode call on spread-free arguments, which avoids both a native call into the
 * Buffer decoder and an intermediate array; this is the hot path for typical record keys.
 */
export function decodeAscii(b: Uint8Array, s: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[s]!);
    case 2:
      return String.fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    default:
      return decodeAsciiLong(b, s, len);
  }
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Longer strings come from the native decoder: one flat string, never a concatenation. */
function decodeAsciiLong(b: Uint8Array, s: number, len: number): string {
  if (Buffer.isBuffer(b)) return latin1Slice.call(b, s, s + len);
  return Buffer.from(b.buffer, b.byteOffset + s, len).toString('latin1');
}

/** True when every byte in [s, s + len) is below 0x80. */
export function isAscii(b: Uint8Array, s: number, len: number): boolean {
  let bits = 0;
  for (let i = s, end = s + len; i < end; i++) bits |= b[i]!;
  return bits < 0x80;
}
