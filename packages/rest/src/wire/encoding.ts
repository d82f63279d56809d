import { createHash } from 'node:crypto';

/** Flink sends serialized values as base64 bytes; Spindle's bytes are UTF-8 JSON. */
export function base64Json(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return Buffer.from(json ?? 'null', 'utf8').toString('base64');
}

/** Decodes a value encoded by `base64Json`. */
export function decodeBase64Json(encoded: string): unknown {
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
}

/** A stable 32-hex id for a name (Flink's ids are 32 hex characters). */
export function hexIdOf(name: string): string {
  return createHash('md5').update(name).digest('hex');
}
