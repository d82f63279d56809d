/**
 * The spill thread of an external sorter (see spill-thread.ts): sorts the index of a full buffer
 * of binary keys and writes its records in order as a run, handing the buffers back; merges runs
 * of binary keys into the chunks the task reads (as entries, or as lines of text).
 */
import fs from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { RunMerger } from './run-merger.js';
import { HEADER, sortBinaryIndex } from './sort-index.js';
import { RunWriter, localSpillFileWriter } from './sort-runs.js';
import {
  CANCEL,
  ChunkState,
  MERGE_CHUNKS,
  MERGE_CHUNK_BYTES,
  type LargeEntry,
  type MergeJob,
  type SpillJob,
  type SpillReply,
} from './spill-thread.js';

const { port, status } = workerData as { port: MessagePort; status: Int32Array };

/** Failures go back to the sorter as they are (it names the spill directory). */
const rawFailure = { writeFailure: (_file: string, e: unknown) => e as Error };
/** Run files are removed once merged (the sorter removes what is left on failure). */
const removeFile = { remove: (file: string) => fs.rmSync(file, { force: true }) };
/** Runs merged here hold binary keys only: the comparator and decoder are never called. */
const binaryOnly = {
  compare: (): number => {
    throw new Error('a run merged on the spill thread holds a key without a binary form');
  },
  sortKey: (): never => {
    throw new Error('a run merged on the spill thread holds a key without a binary form');
  },
  decode: (): never => {
    throw new Error('a run merged on the spill thread holds a key without a binary form');
  },
};

port.on('message', (job: SpillJob | MergeJob) => {
  if (job.t === 'spill') spill(job);
  else merge(job);
});
Atomics.store(status, 1, 1);

function spill(job: SpillJob): void {
  const buffers = { arena: job.arena, offsets: job.offsets, keyEnds: job.keyEnds, prefixHigh: job.prefixHigh, prefixLow: job.prefixLow };
  let reply: SpillReply;
  try {
    const arena = Buffer.from(job.arena, 0, job.arenaUsed);
    const offsets = new Uint32Array(job.offsets);
    const index = {
      arena,
      offsets,
      keyEnds: new Uint32Array(job.keyEnds),
      prefixHigh: new Uint32Array(job.prefixHigh),
      prefixLow: new Uint32Array(job.prefixLow),
    };
    const order = sortBinaryIndex(index, job.count, job.sign);
    const run = new RunWriter(job.file, rawFailure, localSpillFileWriter, job.bufferSize);
    // A failed write closes the file itself.
    run.writeInOrder(arena, offsets, order);
    run.finish();
    reply = { t: 'done', bytes: run.bytesWritten, buffers };
  } catch (e) {
    reply = { t: 'done', bytes: 0, error: failure(e), buffers };
  }
  port.postMessage(reply, [buffers.arena, buffers.offsets, buffers.keyEnds, buffers.prefixHigh, buffers.prefixLow]);
  done();
}

function merge(job: MergeJob): void {
  const control = new Int32Array(job.control);
  const chunks = Buffer.from(job.chunks);
  const lines = job.lines;
  let chunk = 0;
  let pos = 0;
  let base = 0;
  /** Waits until the task hands chunk `chunk` back; false once it stopped reading. */
  const acquire = (): boolean => {
    for (;;) {
      if (Atomics.load(control, CANCEL) === 1) return false;
      const state = Atomics.load(control, 2 * chunk);
      if (state === ChunkState.FREE) return true;
      Atomics.wait(control, 2 * chunk, state);
    }
  };
  const publish = (state: number): void => {
    control[2 * chunk + 1] = pos;
    Atomics.store(control, 2 * chunk, state);
    Atomics.notify(control, 2 * chunk);
    chunk = (chunk + 1) % MERGE_CHUNKS;
    base = chunk * MERGE_CHUNK_BYTES;
    pos = 0;
  };
  let merger: RunMerger<unknown> | undefined;
  let error: SpillReply['error'];
  try {
    merger = new RunMerger<unknown>(job.files, job.bufferSize, removeFile, job.sign, binaryOnly);
    if (acquire())
      merging: {
        for (let r = merger.next(); r >= 0; r = merger.next()) {
          const buf = merger.buffers[r]!;
          if (lines) {
            // The entry's key: its flags, its length, STRING_TAG and the line's bytes.
            const start = merger.starts[r]! + HEADER + 1;
            const end = merger.starts[r]! + HEADER + buf.readUInt32LE(merger.starts[r]! + 1);
            const length = end - start;
            if (length + 1 > MERGE_CHUNK_BYTES) {
              if (pos > 0) {
                publish(ChunkState.FULL);
                if (!acquire()) break merging;
              }
              const bytes = new Uint8Array(length + 1);
              bytes.set(buf.subarray(start, end));
              bytes[length] = 0x0a;
              port.postMessage({ t: 'entry', bytes } satisfies LargeEntry, [bytes.buffer]);
              publish(ChunkState.LARGE);
              if (!acquire()) break merging;
              continue;
            }
            if (pos + length + 1 > MERGE_CHUNK_BYTES) {
              publish(ChunkState.FULL);
              if (!acquire()) break merging;
            }
            buf.copy(chunks, base + pos, start, end);
            pos += length;
            chunks[base + pos++] = 0x0a;
            continue;
          }
          const start = merger.starts[r]!;
          const end = merger.ends[r]!;
          const length = end - start;
          if (4 + length > MERGE_CHUNK_BYTES) {
            if (pos > 0) {
              publish(ChunkState.FULL);
              if (!acquire()) break merging;
            }
            const bytes = new Uint8Array(buf.subarray(start, end));
            port.postMessage({ t: 'entry', bytes } satisfies LargeEntry, [bytes.buffer]);
            publish(ChunkState.LARGE);
            if (!acquire()) break merging;
            continue;
          }
          if (pos + 4 + length > MERGE_CHUNK_BYTES) {
            publish(ChunkState.FULL);
            if (!acquire()) break merging;
          }
          chunks.writeUInt32LE(length, base + pos);
          buf.copy(chunks, base + pos + 4, start, end);
          pos += 4 + length;
        }
        publish(ChunkState.LAST);
      }
  } catch (e) {
    error = failure(e);
  } finally {
    try {
      merger?.close();
    } catch (e) {
      error ??= failure(e);
    }
  }
  port.postMessage({ t: 'done', bytes: 0, ...(error ? { error } : {}) } satisfies SpillReply);
  done();
  if (error !== undefined) {
    // The task waits for the chunk the merge was filling.
    Atomics.store(control, 2 * chunk, ChunkState.FAILED);
    Atomics.notify(control, 2 * chunk);
  }
}

function failure(e: unknown): NonNullable<SpillReply['error']> {
  const err = e as NodeJS.ErrnoException | undefined;
  return { message: err?.message ?? String(e), ...(err?.code ? { code: err.code } : {}) };
}

function done(): void {
  Atomics.store(status, 0, 1);
  Atomics.notify(status, 0);
}
