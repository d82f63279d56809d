/** Bytes a JS value roughly takes on the heap, to keep hash tables within managed memory. */
export function estimateSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return 16 + 2 * value.length;
    case 'number':
    case 'boolean':
    case 'undefined':
      return 8;
    case 'bigint':
      return 24;
    case 'object':
      return value === null ? 8 : objectSize(value, depth);
    default:
      return 32;
  }
}

function objectSize(value: object, depth: number): number {
  if (depth > 8) return 64;
  if (value instanceof Uint8Array) return 64 + value.byteLength;
  if (Array.isArray(value)) {
    let size = 32 + 8 * value.length;
    for (const v of value) size += estimateSize(v, depth + 1);
    return size;
  }
  let size = 48;
  for (const k in value) size += 8 + estimateSize(k) + estimateSize((value as Record<string, unknown>)[k], depth + 1);
  return size;
}
