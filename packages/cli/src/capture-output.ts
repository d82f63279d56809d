/** The largest properties document Oozie's `<capture-output/>` accepts by default (oozie.action.max.output.data). */
export const CAPTURE_OUTPUT_MAX_BYTES = 2048;

const PATTERNS: ReadonlyArray<[key: string, pattern: RegExp]> = [
  ['jobId', /Job has been submitted with JobID ([0-9a-f]{32})/],
  ['applicationId', /Submitted application (application_\d+_\d+)/],
];

/**
 * `--capture-output`, for Oozie's `<capture-output/>`: from `start()` on, everything the process
 * writes to stdout (the CLI's lines and a local job's print()) goes to stderr; `finish()` then
 * writes to stdout only a Java properties document of the ids seen in those lines (`jobId`,
 * `applicationId`), at most 2 KB.
 */
export class CapturedOutput {
  private readonly values = new Map<string, string>();
  private realWrite: typeof process.stdout.write | undefined;

  start(): void {
    if (this.realWrite !== undefined) return;
    this.realWrite = process.stdout.write.bind(process.stdout);
    const toStderr = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
    process.stdout.write = (chunk: unknown, ...rest: unknown[]) => {
      this.scan(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return toStderr(chunk, ...rest);
    };
  }

  /** Restores stdout and writes the document (nothing when `start` was not called). */
  finish(): Promise<void> {
    const write = this.realWrite;
    if (write === undefined) return Promise.resolve();
    this.realWrite = undefined;
    process.stdout.write = write;
    return new Promise((resolve) => write(propertiesDocument(this.values), () => resolve()));
  }

  private scan(text: string): void {
    for (const [key, pattern] of PATTERNS) {
      const m = pattern.exec(text);
      if (m !== null && !this.values.has(key)) this.values.set(key, m[1]!);
    }
  }
}

/** `key=value` lines (the values are ids: nothing to escape), cut to whole lines within the limit. */
export function propertiesDocument(values: ReadonlyMap<string, string>): string {
  let out = '';
  for (const [k, v] of values) {
    const line = `${k}=${v}\n`;
    if (Buffer.byteLength(out + line) > CAPTURE_OUTPUT_MAX_BYTES) break;
    out += line;
  }
  return out;
}
