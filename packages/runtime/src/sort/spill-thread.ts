import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

const WORKER_URL = new URL('./spill-worker.js', import.meta.url);

/** A full buffer to sort and write as the run `file`: its arena and index, handed over (transferred). */
export interface SpillJob {
  t: 'spill';
  file: string;
  count: number;
  /** 1: ascending, -1: descending. */
  sign: number;
  /** Bytes of the run's write buffer. */
  bufferSize: number;
  arena: ArrayBuffer;
  arenaUsed: number;
  offsets: ArrayBuffer;
  keyEnds: ArrayBuffer;
  prefixHigh: ArrayBuffer;
  prefixLow: ArrayBuffer;
}

/**
 * Runs to merge, read in `bufferSize` bytes at a time: the thread writes the merged entries into
 * MERGE_CHUNKS chunks of `chunks` in turn, each as a 4-byte little-endian length and the entry,
 * and hands each chunk over through its state in `control` (see ChunkState).
 */
export interface MergeJob {
  t: 'merge';
  files: string[];
  sign: number;
  bufferSize: number;
  /**
   * Every entry is a string record that is its own key, without surrogates: the chunks hold the
   * records as text instead, each key's UTF-8 bytes followed by `\n`, without lengths.
   */
  lines: boolean;
  chunks: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

/**
 * Chunks of a merge in flight, and bytes of each: 4 MiB let the merging thread run on while the
 * task's thread writes what it was handed (with four chunks it waited for them about a third of a
 * merge of text lines into a file).
 */
export const MERGE_CHUNKS = 16;
export const MERGE_CHUNK_BYTES = 256 * 1024;
/** control[2c] is chunk c's state, control[2c + 1] its bytes; control[CANCEL] is 1 once the task stops reading. */
export const CANCEL = 2 * MERGE_CHUNKS;

/** The state of a merge chunk: whose it is, and what it holds. */
export const ChunkState = {
  /** The thread's to fill. */
  FREE: 0,
  /** Entries for the task. */
  FULL: 1,
  /** The last entries (maybe none): the merge is complete. */
  LAST: 2,
  /** No entries: the next one, too large for a chunk, is the next `entry` message on the port. */
  LARGE: 3,
  /** The merge failed: the reply says why. */
  FAILED: 4,
} as const;

/** An entry too large for a chunk. */
export interface LargeEntry {
  t: 'entry';
  bytes: Uint8Array;
}

/** The buffers of a job handed back, with the bytes written or the failure (a Node error's message and code). */
export interface SpillReply {
  t: 'done';
  bytes: number;
  error?: { message: string; code?: string };
  /** The spill job's buffers (none for a merge). */
  buffers?: { arena: ArrayBuffer; offsets: ArrayBuffer; keyEnds: ArrayBuffer; prefixHigh: ArrayBuffer; prefixLow: ArrayBuffer };
}

/**
 * The spill thread of an external sorter (Flink's sort-merger has its own sorting and spilling
 * threads): a worker thread that sorts a full buffer of binary keys and writes it as a run while
 * the task's thread fills the next buffer, and merges the runs at the end while the task's thread
 * decodes and emits the merged records. One job is in flight at a time; `wait()` blocks the
 * task's thread until it is done (Atomics.wait on a shared flag) and hands the buffers back.
 */
export class SpillThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: 1 when the job in flight is done; [1]: 1 once the thread listens for jobs. */
  private readonly status = new Int32Array(new SharedArrayBuffer(8));
  private inFlight = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_URL, { workerData: { port: port2, status: this.status }, transferList: [port2] });
    // Failures of a job come back as replies; until the thread is ready, the task spills itself.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /** Whether the thread has started and takes jobs. */
  get ready(): boolean {
    return Atomics.load(this.status, 1) === 1;
  }

  /** Whether a job may start: the thread is ready and no job is in flight. */
  get free(): boolean {
    return !this.inFlight && this.ready;
  }

  /** Starts a job (the thread is free); its buffers belong to the thread until `wait()` returns them. */
  start(job: SpillJob): void {
    this.post(job, [job.arena, job.offsets, job.keyEnds, job.prefixHigh, job.prefixLow]);
  }

  /**
   * Starts merging `files` (the thread is free); read the merged entries from the merge returned,
   * or with `lines` (see MergeJob) blocks of text: each `next()` then makes a block of whole lines
   * available.
   */
  merge(files: string[], sign: number, bufferSize: number, lines = false): ThreadMerge {
    const chunks = new SharedArrayBuffer(MERGE_CHUNKS * MERGE_CHUNK_BYTES);
    const control = new SharedArrayBuffer(4 * (CANCEL + 1));
    this.post({ t: 'merge', files, sign, bufferSize, lines, chunks, control } satisfies MergeJob, []);
    return new ThreadMerge(this, this.port, Buffer.from(chunks), new Int32Array(control), lines);
  }

  private post(job: SpillJob | MergeJob, transfer: ArrayBuffer[]): void {
    if (!this.free) throw new Error('the spill thread is not free');
    Atomics.store(this.status, 0, 0);
    this.port.postMessage(job, transfer);
    this.inFlight = true;
  }

  /** Waits for the job in flight and returns its reply (undefined when none is in flight). */
  wait(): SpillReply | undefined {
    if (!this.inFlight) return undefined;
    while (Atomics.load(this.status, 0) === 0) Atomics.wait(this.status, 0, 0);
    this.inFlight = false;
    // Entries of a merge left unread come before the reply.
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) throw new Error('the spill thread ended without a reply');
      const message = received.message as SpillReply | LargeEntry;
      if (message.t === 'done') return message;
    }
  }

  /** Waits for the job in flight (its reply is dropped) and ends the thread. */
  close(): void {
    try {
      this.wait();
    } finally {
      this.port.close();
      void this.worker.terminate();
    }
  }
}

/**
 * The task's side of a merge on the spill thread: `next()` makes the next merged entry (or block
 * of lines) available as [start, end) of `buffer` (until the following call), false at the end; a failed merge
 * throws its failure. `close()` stops the merge early and waits for the thread to finish it.
 */
export class ThreadMerge {
  buffer: Buffer;
  start = 0;
  end = 0;
  private chunk = 0;
  /** Whether the task holds chunk `chunk`, read up to `pos` of `limit`. */
  private held = false;
  private pos = 0;
  private limit = 0;
  private last = false;
  private done = false;

  constructor(
    private readonly thread: SpillThread,
    private readonly port: MessagePort,
    private readonly chunks: Buffer,
    private readonly control: Int32Array,
    /** Whether the chunks hold text (MergeJob.lines): `next()` hands out what is left of a chunk at once. */
    private readonly blocks = false,
  ) {
    this.buffer = chunks;
  }

  next(): boolean {
    if (this.done) return false;
    const control = this.control;
    for (;;) {
      if (this.held) {
        if (this.pos < this.limit && this.blocks) {
          this.buffer = this.chunks;
          this.start = this.pos;
          this.end = this.pos = this.limit;
          return true;
        }
        if (this.pos < this.limit) {
          const length = this.chunks.readUInt32LE(this.pos);
          this.buffer = this.chunks;
          this.start = this.pos + 4;
          this.end = this.pos = this.start + length;
          return true;
        }
        this.held = false;
        if (this.last) {
          this.finish();
          return false;
        }
        this.release();
      }
      const index = 2 * this.chunk;
      let state: number;
      while ((state = Atomics.load(control, index)) === ChunkState.FREE) Atomics.wait(control, index, ChunkState.FREE);
      if (state === ChunkState.FAILED) {
        this.finish();
        return false;
      }
      if (state === ChunkState.LARGE) {
        const entry = receiveMessageOnPort(this.port)?.message as LargeEntry | undefined;
        if (entry?.t !== 'entry') throw new Error('the spill thread sent no entry');
        this.buffer = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
        this.start = 0;
        this.end = entry.bytes.byteLength;
        this.release();
        return true;
      }
      this.held = true;
      this.last = state === ChunkState.LAST;
      this.pos = this.chunk * MERGE_CHUNK_BYTES;
      this.limit = this.pos + control[index + 1]!;
    }
  }

  /** Stops the merge if it is not complete, and waits for the thread to end it; idempotent. */
  close(): void {
    if (this.done) return;
    Atomics.store(this.control, CANCEL, 1);
    for (let c = 0; c < MERGE_CHUNKS; c++) {
      Atomics.store(this.control, 2 * c, ChunkState.FREE);
      Atomics.notify(this.control, 2 * c);
    }
    this.done = true;
    this.thread.wait();
  }

  /** Hands the current chunk back to the thread and moves to the next. */
  private release(): void {
    Atomics.store(this.control, 2 * this.chunk, ChunkState.FREE);
    Atomics.notify(this.control, 2 * this.chunk);
    this.chunk = (this.chunk + 1) % MERGE_CHUNKS;
  }

  /** The merge is over: its reply says whether it failed. */
  private finish(): void {
    this.done = true;
    const reply = this.thread.wait();
    if (reply?.error !== undefined) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  }
}
