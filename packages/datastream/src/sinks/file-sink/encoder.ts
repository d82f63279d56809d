import { SpindleError } from '@spindle/core';
import { formatRecord } from '../format.js';

/** Where an Encoder writes the bytes of one element: the in-progress part file. */
export interface EncoderOutput {
  write(chunk: Uint8Array | string): void;
}

/**
 * Turns each element of a row-format FileSink into bytes (Flink's `Encoder`): `encode` writes
 * the element, with its delimiter, to `stream`. Called on the task's thread, once per element,
 * in stream order; it must not keep `stream`.
 */
export interface Encoder<IN> {
  encode(element: IN, stream: EncoderOutput): void;
}

/** Charset names as Java spells them (Flink's default is UTF-8), mapped to Node's encodings. */
const CHARSETS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf16le',
  utf16le: 'utf16le',
};

/**
 * Writes each element as one line (Flink's SimpleStringEncoder): strings as they are, other
 * values as JSON (as `print` and `writeAsText` render them), then `\n`, in the given charset.
 */
export class SimpleStringEncoder<IN = unknown> implements Encoder<IN> {
  private readonly encoding: BufferEncoding;

  constructor(readonly charsetName = 'UTF-8') {
    const encoding = CHARSETS[charsetName.toLowerCase()];
    if (encoding === undefined) {
      throw new SpindleError(
        `SimpleStringEncoder: unsupported charset "${charsetName}"; use one of UTF-8, ISO-8859-1, US-ASCII, UTF-16LE`,
        { code: 'INVALID_ARGUMENT', userFacing: true, recoverability: 'non-recoverable' },
      );
    }
    this.encoding = encoding;
  }

  encode(element: IN, stream: EncoderOutput): void {
    const line = formatRecord(element) + '\n';
    stream.write(this.encoding === 'utf8' ? line : Buffer.from(line, this.encoding));
  }
}
