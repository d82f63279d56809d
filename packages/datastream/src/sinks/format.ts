/** How sinks render a record as a line: strings as they are, everything else as JSON. */
export function formatRecord(record: unknown): string {
  if (typeof record === 'string') return record;
  if (typeof record === 'bigint') return record.toString();
  // undefined, functions and symbols have no JSON text.
  return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(record);
}
