import {
  formatCount,
  formatBytes,
  formatElapsed,
  stageLabel,
  stagesFinished,
  subtasksFinished,
  truncate,
  vertexFigures,
  type JobProgressSnapshot,
} from './progress-format.js';

/**
 * Shows snapshots of a running job. `update` is called with each new snapshot while the job
 * runs, `finish` once after it ended, with the last snapshot (undefined when none could be read).
 */
export interface ProgressRenderer {
  update(snapshot: JobProgressSnapshot): void;
  finish(snapshot: JobProgressSnapshot | undefined): void;
}

/** The stage states worth a line of their own (the ones before RUNNING pass too quickly to matter). */
const REPORTED_STAGE_STATES = new Set(['RUNNING', 'FINISHED', 'FAILED', 'CANCELING', 'CANCELED']);
const QUIET_JOB_STATES = new Set(['CREATED', 'INITIALIZING', 'FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED']);

/**
 * Plain lines, for logs and pipes: one when a stage changes state (with its figures once it
 * ended), one when the job changes state (restarts, cancellation), each running stage's figures
 * at most every `intervalMs` (0: never), and a summary at the end.
 */
export class PlainProgress implements ProgressRenderer {
  private readonly printed = new Map<string, string>();
  private jobState: string | undefined;
  private lastPeriodic: number;

  constructor(
    private readonly print: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPeriodic = now();
  }

  update(snapshot: JobProgressSnapshot): void {
    this.transitions(snapshot);
    if (this.intervalMs > 0 && this.now() - this.lastPeriodic >= this.intervalMs) {
      this.lastPeriodic = this.now();
      this.print(`Job ${snapshot.state}: ${stagesFinished(snapshot)}, ${formatElapsed(snapshot.duration)}`);
      snapshot.vertices.forEach((v, i) => {
        if (v.status === 'RUNNING')
          this.print(`${stageLabel(snapshot, i)} RUNNING: ${subtasksFinished(v)} subtasks finished, ${vertexFigures(v)}`);
      });
    }
  }

  finish(snapshot: JobProgressSnapshot | undefined): void {
    if (snapshot === undefined) return;
    this.transitions(snapshot);
    this.print(`Job ${snapshot.state}: ${stagesFinished(snapshot)}, ${formatElapsed(snapshot.duration)}`);
  }

  private transitions(snapshot: JobProgressSnapshot): void {
    if (
      snapshot.state !== this.jobState &&
      !QUIET_JOB_STATES.has(snapshot.state) &&
      (this.jobState !== undefined || snapshot.state !== 'RUNNING')
    )
      this.print(`Job ${snapshot.state}`);
    this.jobState = snapshot.state;
    snapshot.vertices.forEach((v, i) => {
      if (!REPORTED_STAGE_STATES.has(v.status) || this.printed.get(v.id) === v.status) return;
      this.printed.set(v.id, v.status);
      const label = `${stageLabel(snapshot, i)} ${v.status}`;
      this.print(v.status === 'RUNNING' || v.status === 'CANCELING' ? label : `${label}: ${vertexFigures(v)}`);
    });
  }
}

/** Where the redrawn table goes: a terminal (or any stream, when forced). */
export interface TtyStream {
  write: (chunk: string | Uint8Array, ...rest: never[]) => boolean;
  columns?: number;
}

const UP = (n: number) => `\x1b[${n}A`;
const CLEAR_LINE = '\r\x1b[2K';
const CLEAR_BELOW = '\x1b[J';
const NAME_WIDTH = 32;
const DEFAULT_COLUMNS = 120;

/**
 * A table redrawn in place on a terminal: a header with the job's state, stages finished and
 * elapsed time, then a row per stage. Whatever else is written meanwhile, to the stream or to
 * `shared` (stderr on the same terminal: warnings, the CLI's notes), first erases the table,
 * which the next update draws again below it, so that no line is overwritten.
 */
export class TtyProgress implements ProgressRenderer {
  private drawn = 0;
  private atLineStart = true;
  private readonly write: TtyStream['write'];
  private readonly restores: Array<() => void> = [];

  constructor(
    private readonly stream: TtyStream,
    shared: readonly TtyStream[] = [],
  ) {
    this.write = stream.write;
    for (const s of [stream, ...shared]) this.guard(s);
  }

  update(snapshot: JobProgressSnapshot): void {
    this.draw(snapshot);
  }

  /** Leaves the last table on the screen and gives the streams back. */
  finish(snapshot: JobProgressSnapshot | undefined): void {
    if (snapshot !== undefined) this.draw(snapshot);
    for (const restore of this.restores.splice(0)) restore();
    this.drawn = 0;
  }

  /** Makes every write to `s` erase the table first. */
  private guard(s: TtyStream): void {
    const saved = s.write;
    const original = saved.bind(s) as (chunk: unknown, ...rest: unknown[]) => boolean;
    s.write = (chunk: unknown, ...rest: unknown[]) => {
      this.erase();
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length > 0) this.atLineStart = text.endsWith('\n');
      return original(chunk, ...rest);
    };
    this.restores.push(() => (s.write = saved));
  }

  private raw(text: string): void {
    this.write.call(this.stream, text);
  }

  private erase(): void {
    if (this.drawn === 0) return;
    this.raw(`${UP(this.drawn)}\r${CLEAR_BELOW}`);
    this.drawn = 0;
  }

  private draw(snapshot: JobProgressSnapshot): void {
    // A terminal of unknown size (a pseudo-terminal without one) reports 0 columns.
    const columns = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : DEFAULT_COLUMNS;
    const width = Math.max(20, columns - 1);
    const lines = table(snapshot).map((l) => truncate(l, width));
    const lead = this.drawn > 0 ? UP(this.drawn) : this.atLineStart ? '' : '\n';
    this.raw(lead + lines.map((l) => `${CLEAR_LINE}${l}\n`).join('') + CLEAR_BELOW);
    this.atLineStart = true;
    this.drawn = lines.length;
  }
}

const COLUMNS: ReadonlyArray<[title: string, width: number]> = [
  ['#', 3],
  ['Stage', NAME_WIDTH],
  ['Status', 10],
  ['Subtasks', 8],
  ['Records in', 12],
  ['Records out', 12],
  ['Bytes in', 10],
  ['Bytes out', 10],
  ['Time', 8],
];

function row(cells: string[]): string {
  return cells
    .map((c, i) => {
      const w = COLUMNS[i]![1];
      return i === 1 || i === 2 ? c.padEnd(w) : c.padStart(w);
    })
    .join(' ')
    .trimEnd();
}

/** The header line, the column titles and a row per stage. */
export function table(snapshot: JobProgressSnapshot): string[] {
  const header = `Job ${snapshot.state} | ${stagesFinished(snapshot)} | ${formatElapsed(snapshot.duration)}`;
  const rows = snapshot.vertices.map((v, i) =>
    row([
      String(i + 1),
      truncate(v.name, NAME_WIDTH),
      v.status,
      subtasksFinished(v),
      formatCount(v.metrics['read-records']),
      formatCount(v.metrics['write-records']),
      formatBytes(v.metrics['read-bytes']),
      formatBytes(v.metrics['write-bytes']),
      formatElapsed(v.duration),
    ]),
  );
  return [header, row(COLUMNS.map(([title]) => title)), ...rows];
}
