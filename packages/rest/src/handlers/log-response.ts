import type { LogFileChunk } from '@spindle/runtime';
import { LogFileNotFoundError } from '@spindle/runtime';
import type { RestResponse } from '../server/router.js';

const CHUNK = 1024 * 1024;

/**
 * A log file as `text/plain`, read part by part (locally or from a TaskManager) and streamed as
 * it comes, so a large log never sits whole in the JobManager's memory. The first part is read
 * before answering: a file that cannot be served is a 404, not a broken stream. Parts read up to
 * the size the file had when the first was read.
 */
export async function logFileResponse(read: (offset: number, length: number) => Promise<LogFileChunk>): Promise<RestResponse> {
  const first = await read(0, CHUNK);
  const size = first.size;
  async function* rest(): AsyncIterable<Uint8Array> {
    yield first.data;
    let offset = first.data.byteLength;
    while (offset < size) {
      const part = await read(offset, Math.min(CHUNK, size - offset));
      if (part.data.byteLength === 0) return;
      yield part.data;
      offset += part.data.byteLength;
    }
  }
  return { status: 200, raw: { contentType: 'text/plain; charset=UTF-8', data: rest(), headers: { 'Cache-Control': 'no-cache' } } };
}

/** The process's own log file, when it knows it. */
export function mainLogName(logs: { mainFile?: string }): string {
  if (logs.mainFile === undefined) throw new LogFileNotFoundError('(the log of this process)');
  return logs.mainFile;
}
