/**
 * The spill thread of an external sorter (see spill-thread.ts): sorts the index of a full buffer
 * of binary keys and writes its records in order as a run, then hands the buffers back.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { sortBinaryIndex } from './sort-index.js';
import { RunWriter, localSpillFileWriter } from './sort-runs.js';
import type { SpillJob, SpillReply } from './spill-thread.js';

const { port, status } = workerData as { port: MessagePort; status: Int32Array };

/** Failures go back to the sorter as they are (it names the spill directory). */
const rawFailure = { writeFailure: (_file: string, e: unknown) => e as Error };

port.on('message', (job: SpillJob) => {
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
    for (let n = 0; n < order.length; n++) {
      const i = order[n]!;
      run.write(arena, offsets[i]!, offsets[i + 1]!);
    }
    run.finish();
    reply = { ...buffersOf(job), bytes: run.bytesWritten };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = { ...buffersOf(job), bytes: 0, error: { message: err?.message ?? String(e), ...(err?.code ? { code: err.code } : {}) } };
  }
  port.postMessage(reply, [reply.arena, reply.offsets, reply.keyEnds, reply.prefixHigh, reply.prefixLow]);
  Atomics.store(status, 0, 1);
  Atomics.notify(status, 0);
});
Atomics.store(status, 1, 1);

function buffersOf(job: SpillJob): Pick<SpillReply, 'arena' | 'offsets' | 'keyEnds' | 'prefixHigh' | 'prefixLow'> {
  return { arena: job.arena, offsets: job.offsets, keyEnds: job.keyEnds, prefixHigh: job.prefixHigh, prefixLow: job.prefixLow };
}
