import type { IncomingMessage } from 'node:http';
import { RestError } from './rest-error.js';

export function entityTooLarge(limit: number): RestError {
  return new RestError(413, `Request entity too large: the limit is ${limit} bytes (rest.server.max-content-length).`);
}

/**
 * Reads a request body of at most `limit` bytes. Rejects with 413 as soon as the declared or
 * received length passes the limit; the caller answers and closes the connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(entityTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: RestError) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(entityTooLarge(limit));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish());
    req.once('error', (e) => finish(new RestError(400, `Could not read the request body: ${e.message}`)));
    req.once('close', () => {
      if (!req.complete) finish(new RestError(400, 'The client aborted the request.'));
    });
  });
}
