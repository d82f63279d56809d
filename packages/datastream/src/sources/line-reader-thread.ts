/**
 * The reader thread of a text file source (the way Flink's file source reads splits on a fetcher
 * thread and hands records to the task's thread): reads a split of a local file, cuts it into
 * pieces of whole lines and posts each piece, its bytes transferred, to the task's thread. A
 * piece starts with a line and ends with a newline, except the file's last line when no newline
 * follows it. At most AHEAD pieces are in flight: the task's thread counts the pieces it has
 * emitted in a shared counter. A line scanner module, when given, runs over each ASCII piece here
 * as well and its result goes with the piece.
 *
 * Messages (see ReaderRequest and ReaderReply): `read` a split; the thread answers `piece`s,
 * then `end`, or `error`.
 */
import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { LineScanModule, ReaderReply, ReaderRequest } from './line-reader.js';

/** Bytes read from the file at a time. */
const BLOCK = 1 << 20;
/** Bytes of lines in a piece, about: a piece is emitted in one go by the task's thread. */
const PIECE = 1 << 16;
/** Pieces in flight (4 MiB) before the thread waits for the task's thread to emit some. */
const AHEAD = 64;

const { port, emitted } = workerData as { port: MessagePort; emitted: Int32Array };
/** Pieces posted; `emitted[0]` counts those the task's thread has emitted. */
let posted = 0;
let reading: Promise<void> = Promise.resolve();
/** Atomics.waitAsync (ES2024, in Node since 16), which the compile target's lib does not declare. */
const atomics = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: unknown } };
const scanners = new Map<string, Promise<LineScanModule>>();

port.on('message', (request: ReaderRequest) => {
  reading = reading.then(() => readSplit(request));
});
parentPort?.on('message', () => undefined);

function transferList(bytes: Uint8Array, scan: { ints: Int32Array; numbers: Float64Array } | undefined): ArrayBuffer[] {
  const buffers = scan === undefined ? [bytes.buffer] : [bytes.buffer, scan.ints.buffer, scan.numbers.buffer];
  return buffers as ArrayBuffer[];
}

function post(reply: ReaderReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

/**
 * Waits until fewer than AHEAD pieces are in flight; once it has to wait, until half of them are
 * emitted (`emitted[1]`: the count at which the task's thread wakes it), so that it is woken once
 * per AHEAD / 2 pieces, not per piece.
 */
async function granted(): Promise<void> {
  for (;;) {
    let done = Atomics.load(emitted, 0);
    if (posted - done < AHEAD) return;
    const wakeAt = posted - AHEAD / 2;
    Atomics.store(emitted, 1, wakeAt);
    while ((done = Atomics.load(emitted, 0)) < wakeAt) {
      const { async, value } = atomics.waitAsync(emitted, 0, done);
      if (async) await value;
    }
  }
}

function scannerOf(url: string): Promise<LineScanModule> {
  let scanner = scanners.get(url);
  if (scanner === undefined) scanners.set(url, (scanner = import(url) as Promise<LineScanModule>));
  return scanner;
}

/** The lines of the split: those starting in [start, end), the last read to its end. */
async function readSplit(request: Extract<ReaderRequest, { t: 'read' }>): Promise<void> {
  const { id, path, start, end } = request;
  let file: FileHandle | undefined;
  try {
    const scanner = request.scanner === undefined ? undefined : await scannerOf(request.scanner);
    file = await open(path, 'r');
    /** Unread bytes, `buf[0]` at file offset `bufStart`; reading starts a byte early to see whether the split starts a line. */
    let buf = Buffer.alloc(0);
    let bufStart = start === 0 ? 0 : start - 1;
    let readAt = bufStart;
    let eof = false;
    let skipping = start > 0;
    /** Reads the next block after the unread bytes, which are moved to its start. */
    const more = async (): Promise<void> => {
      const block = Buffer.allocUnsafeSlow(buf.length + BLOCK);
      buf.copy(block);
      const { bytesRead } = await file!.read(block, buf.length, BLOCK, readAt);
      if (bytesRead === 0) {
        eof = true;
        return;
      }
      readAt += bytesRead;
      buf = block.subarray(0, buf.length + bytesRead);
    };
    for (;;) {
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl >= 0) {
          buf = buf.subarray(nl + 1);
          bufStart += nl + 1;
          skipping = false;
        } else if (eof) break;
        else {
          bufStart += buf.length;
          buf = Buffer.alloc(0);
          await more();
        }
        continue;
      }
      if (bufStart >= end) break;
      if (buf.length < PIECE && !eof) {
        await more();
        continue;
      }
      if (buf.length === 0) break;
      let last = buf.lastIndexOf(10, Math.min(buf.length, PIECE) - 1);
      if (last < 0) last = buf.indexOf(10);
      if (last < 0 && !eof) {
        await more();
        continue;
      }
      // The line that holds the split's last byte is the split's last line.
      const lastLine = buf.indexOf(10, Math.max(0, end - bufStart - 1));
      const final = last < 0 || (lastLine >= 0 && lastLine <= last);
      if (lastLine >= 0 && lastLine <= last) last = lastLine;
      const length = last < 0 ? buf.length : last + 1;
      await granted();
      const bytes = Buffer.allocUnsafeSlow(length);
      buf.copy(bytes, 0, 0, length);
      const text = last < 0 ? length : length - 1;
      posted++;
      const ascii = isAscii(bytes);
      const scan = ascii ? scanner?.scanLines(bytes.subarray(0, text)) : undefined;
      post({ t: 'piece', id, start: bufStart, bytes, text, ascii, scan }, transferList(bytes, scan));
      buf = buf.subarray(length);
      bufStart += length;
      if (final) break;
    }
    post({ t: 'end', id });
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    post({ t: 'error', id, message: error.message ?? String(e), code: error.code });
  } finally {
    await file?.close().catch(() => undefined);
  }
}
