import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

const WORKER_URL = new URL('./spill-worker.js', import.meta.url);

/** A full buffer to sort and write as the run `file`: its arena and index, handed over (transferred). */
export interface SpillJob {
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

/** The buffers of a job handed back, with the bytes written or the failure (a Node error's message and code). */
export interface SpillReply {
  bytes: number;
  error?: { message: string; code?: string };
  arena: ArrayBuffer;
  offsets: ArrayBuffer;
  keyEnds: ArrayBuffer;
  prefixHigh: ArrayBuffer;
  prefixLow: ArrayBuffer;
}

/**
 * The spill thread of an external sorter (Flink's sort-merger has its own sorting and spilling
 * threads): a worker thread that sorts a full buffer of binary keys and writes it as a run while
 * the task's thread fills the next buffer. One run is in flight at a time; `wait()` blocks the
 * task's thread until it is written (Atomics.wait on a shared flag) and hands the buffers back.
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

  /** Starts a job (the thread is ready, no job in flight); its buffers belong to the thread until `wait()` returns them. */
  start(job: SpillJob): void {
    if (this.inFlight || !this.ready) throw new Error('the spill thread is not free');
    Atomics.store(this.status, 0, 0);
    this.port.postMessage(job, [job.arena, job.offsets, job.keyEnds, job.prefixHigh, job.prefixLow]);
    this.inFlight = true;
  }

  /** Waits for the job in flight and returns its reply (undefined when none is in flight). */
  wait(): SpillReply | undefined {
    if (!this.inFlight) return undefined;
    while (Atomics.load(this.status, 0) === 0) Atomics.wait(this.status, 0, 0);
    this.inFlight = false;
    const received = receiveMessageOnPort(this.port);
    if (received === undefined) throw new Error('the spill thread ended without a reply');
    return received.message as SpillReply;
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
