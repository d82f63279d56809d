/**
 * One-byte tags of the generic encoding. The ranges at the bottom pack small values into the tag
 * itself, so a record like ['word', 1] takes 1 (array of 2) + 5 (ASCII string) + 1 (int) bytes.
 * A const enum, so the values are inlined as literals in the hot paths.
 */
export const enum Tag {
  /** 0x00–0x7f: the integer 0..127 itself. */
  SMALL_INT_MAX = 0x7f,
  /** 0x80–0x9f: an ASCII string of 0..31 bytes follows. */
  SHORT_ASCII = 0x80,
  /** 0xa0–0xaf: an array of 0..15 elements follows. */
  SHORT_ARRAY = 0xa0,
  /** 0xb0–0xbf: a plain object with 0..15 keys follows. */
  SHORT_OBJECT = 0xb0,
  NULL = 0xc0,
  UNDEFINED = 0xc1,
  FALSE = 0xc2,
  TRUE = 0xc3,
  /** Zigzag varint of an int32. */
  INT32 = 0xc4,
  /** Little-endian IEEE 754 double (any other number, incl. -0, NaN, ±Infinity). */
  FLOAT64 = 0xc5,
  /** Decimal digits as a length-prefixed string. */
  BIGINT = 0xc6,
  /** Length-prefixed UTF-8. */
  STRING = 0xc7,
  /** Epoch milliseconds as a double (NaN for an invalid date). */
  DATE = 0xc8,
  UINT8ARRAY = 0xc9,
  BUFFER = 0xca,
  /** Varuint element count, then the elements. */
  ARRAY = 0xcb,
  /** Varuint key count, then key (length-prefixed string) and value pairs. */
  OBJECT = 0xcc,
  /** Varuint entry count, then key and value pairs. */
  MAP = 0xcd,
  /** Varuint element count, then the elements. */
  SET = 0xce,
  /** An error, as the plain object of its SerializedError (name, message, code, recoverability, stack, cause). */
  ERROR = 0xcf,
  /** Varuint length, then as many ASCII bytes: a string of more than 31 characters, all ASCII (read without UTF-8 decoding). */
  LONG_ASCII = 0xd0,
}

/**
 * The largest length a short tag carries in its low bits, which is also the mask that extracts it
 * (`tag & ShortLength.ASCII_MAX`). Lengths, not tags: compare them with lengths as numbers.
 */
export const enum ShortLength {
  /** SHORT_ASCII: 5 bits. */
  ASCII_MAX = 0x1f,
  /** SHORT_ARRAY and SHORT_OBJECT: 4 bits. */
  COLLECTION_MAX = 0x0f,
}
