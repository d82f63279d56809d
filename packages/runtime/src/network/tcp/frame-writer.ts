import type { Socket } from 'node:net';

interface Pending {
  head: Uint8Array;
  body: Uint8Array | undefined;
  written: (() => void) | undefined;
}

/**
 * The outgoing side of one connection. Frames queue here and are written together once the
 * current turn of the event loop has queued them all (one writev per batch). When the socket
 * asks to stop (`write()` returned false), writing pauses until 'drain': frames wait in this
 * queue, and so do the segments they carry, which is what lets a slow network hold back the
 * producer's buffer pool.
 *
 * `written` runs once the frame's bytes are handed to the kernel, or once the frame is dropped
 * because the connection is gone; never synchronously with `write()`.
 */
export class FrameWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private blocked = false;
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  write(head: Uint8Array, body?: Uint8Array, written?: () => void): void {
    if (this.closed) {
      if (written) queueMicrotask(written);
      return;
    }
    this.queue.push({ head, body, written });
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Frames waiting for the socket. */
  get queued(): number {
    return this.queue.length;
  }

  /** Drops every queued frame (their `written` callbacks run) and refuses further ones. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.queue;
    this.queue = [];
    for (const p of dropped) if (p.written) queueMicrotask(p.written);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed || this.blocked || this.queue.length === 0) return;
    const socket = this.socket;
    let taken = 0;
    socket.cork();
    while (taken < this.queue.length && !this.blocked) {
      const p = this.queue[taken++]!;
      let ok: boolean;
      if (p.body === undefined) ok = socket.write(p.head, p.written);
      else {
        socket.write(p.head);
        ok = socket.write(p.body, p.written);
      }
      if (!ok) this.blocked = true;
    }
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    socket.uncork();
  }
}
