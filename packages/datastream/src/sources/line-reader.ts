import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

const THREAD_URL = new URL('./line-reader-thread.js', import.meta.url);

/**
 * What a line scanner makes of a piece of lines on the reader thread, for the source to turn
 * into records on the task's thread: integer and number columns, in a layout of the scanner's own.
 */
export interface LineScan {
  ints: Int32Array;
  numbers: Float64Array;
}

/**
 * A module run by the reader thread over each piece of lines that is all ASCII (so offsets in
 * bytes are offsets in the decoded text): `scanLines(text)` gets the piece's bytes without the
 * final newline (lines separated by `\n`) and returns its scan, or undefined to leave the piece to
 * the source's lines. Pieces with other bytes are not scanned.
 */
export interface LineScanModule {
  scanLines(text: Uint8Array): LineScan | undefined;
}

export interface ReaderRequest {
  t: 'read';
  id: number;
  path: string;
  start: number;
  end: number;
  scanner?: string;
}

/** A piece of whole lines: bytes `[0, text)` are the lines, `\n`-separated; `bytes` may hold one more, the last newline. */
export interface LinePiece {
  t: 'piece';
  id: number;
  /** File offset of the piece's first byte. */
  start: number;
  bytes: Uint8Array;
  text: number;
  /** Whether the bytes are all ASCII (then decoded as Latin-1, without UTF-8 checks). */
  ascii: boolean;
  scan: LineScan | undefined;
}

export type ReaderReply = LinePiece | { t: 'end'; id: number } | { t: 'error'; id: number; message: string; code?: string };

/** A failure of the reader thread: the message and the Node error code it reported. */
export class ReaderError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The task's side of a reader thread (see line-reader-thread.ts): starts reads of splits of local
 * files and takes their pieces in order, without waiting when a piece is there
 * (receiveMessageOnPort) and with a promise when none is yet. One split is read at a time.
 */
export class LineReaderThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: pieces emitted, for the thread's read-ahead limit; [1]: the count at which to wake the thread. */
  private readonly emitted = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 0;
  private reading = -1;
  /** A reply taken by the message listener while waiting. */
  private received: ReaderReply | undefined;

  constructor(private readonly scanner: string | undefined) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(THREAD_URL, { workerData: { port: port2, emitted: this.emitted }, transferList: [port2] });
    // A thread that fails to start reports it through the port's silence and the exit below.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /** Starts reading the lines of the split [start, end) of the local file at `path`; replies of an earlier read are dropped. */
  read(path: string, start: number, end: number): void {
    this.reading = this.nextId++;
    this.received = undefined;
    const request: ReaderRequest = { t: 'read', id: this.reading, path, start, end };
    if (this.scanner !== undefined) request.scanner = this.scanner;
    this.port.postMessage(request);
  }

  /** The next reply of the current read, or undefined when none has arrived yet. */
  poll(): ReaderReply | undefined {
    for (;;) {
      let reply = this.received;
      this.received = undefined;
      reply ??= receiveMessageOnPort(this.port)?.message as ReaderReply | undefined;
      if (reply === undefined || reply.id === this.reading) return reply;
      // A piece of a read given up on: its credit goes back all the same.
      if (reply.t === 'piece') this.credit();
    }
  }

  /** Resolves once a reply has arrived (poll takes it). */
  arrival(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ReaderReply): void => {
        done();
        this.received = reply;
        resolve();
      };
      const onExit = (code: number): void => {
        done();
        reject(new ReaderError(`the reader thread stopped (exit code ${code})`, undefined));
      };
      const done = (): void => {
        this.port.off('message', onMessage);
        this.worker.off('exit', onExit);
      };
      this.port.on('message', onMessage);
      this.worker.on('exit', onExit);
    });
  }

  /** The piece taken has been emitted: the thread may read one more. */
  credit(): void {
    const emitted = Atomics.add(this.emitted, 0, 1) + 1;
    if (emitted === Atomics.load(this.emitted, 1)) Atomics.notify(this.emitted, 0);
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}
