import type { Configuration } from '@spindle/core';
import type { JobProgressSnapshot } from './progress-format.js';
import { PlainProgress, TtyProgress, type ProgressRenderer, type TtyStream } from './progress-render.js';
import { ProgressOptions } from './progress-options.js';
import type { RestClient } from './rest-client.js';

/** How often an attached client reads its job's details. */
export const PROGRESS_POLL_MS = 500;

/**
 * Reads the job's details as `GET /jobs/:jobid` answers them: over REST from a session
 * cluster, or from the embedded cluster's JobManager through the same view the REST handler uses.
 */
export type JobDetailsSource = () => Promise<JobProgressSnapshot>;

/** Follows one job; `finish` is called once when the client stopped waiting for it. */
export interface JobProgress {
  /** Shows the job's final state (a last read of its details) and stops following it. */
  finish(): Promise<void>;
}

/** How an attached run shows its job's progress: a renderer for each job, or none. */
export type ProgressDisplay = () => ProgressRenderer | undefined;

export const NO_PROGRESS: ProgressDisplay = () => undefined;

/**
 * Follows a submitted job for an attached run, from after its JobID line until the client stops
 * waiting: shows its progress as `display` asks, and says once on stderr (`err`) when the job
 * waits for slots the cluster does not have (`spindle-slot-wait`, with progress on or off).
 */
export function followJob(source: JobDetailsSource, display: ProgressDisplay, err: (line: string) => void): JobProgress {
  return new ProgressFollower(source, new SlotWaitNotice(err, display())).start();
}

/** Says once that the job waits for slots, and hands every snapshot on. */
class SlotWaitNotice implements ProgressRenderer {
  private noted = false;

  constructor(
    private readonly err: (line: string) => void,
    private readonly inner: ProgressRenderer | undefined,
  ) {}

  update(snapshot: JobProgressSnapshot): void {
    const wait = snapshot['spindle-slot-wait'];
    if (wait !== undefined && !this.noted) {
      this.noted = true;
      this.err(`waiting for ${wait.needed} slots; the cluster has ${wait.free} free`);
    }
    this.inner?.update(snapshot);
  }

  finish(snapshot: JobProgressSnapshot | undefined): void {
    this.inner?.finish(snapshot);
  }
}

export function restDetailsSource(client: RestClient, jobId: string): JobDetailsSource {
  return () => client.get<JobProgressSnapshot>(`/jobs/${jobId}`);
}

/**
 * Polls the job's details every `pollMs` and hands each snapshot to the renderer. A read that
 * fails (a JobManager briefly unreachable) is skipped: progress is never a reason to fail the run.
 */
export class ProgressFollower implements JobProgress {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly source: JobDetailsSource,
    private readonly renderer: ProgressRenderer,
    private readonly pollMs = PROGRESS_POLL_MS,
  ) {}

  start(): this {
    this.schedule();
    return this;
  }

  async finish(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight;
    this.renderer.finish(await this.read());
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.inflight = this.poll().then(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const snapshot = await this.read();
    if (snapshot !== undefined && !this.stopped) this.renderer.update(snapshot);
  }

  private async read(): Promise<JobProgressSnapshot | undefined> {
    try {
      return await this.source();
    } catch {
      return undefined;
    }
  }
}

/**
 * The progress display `client.progress.mode` asks for: `auto` redraws a table when stdout is a
 * terminal and prints plain lines otherwise; with `--capture-output` stdout is the properties
 * document, so `auto` prints plain lines, which then go to stderr with the CLI's other lines.
 * The table guards `shared` too (stderr, when it is the same terminal).
 */
export function progressDisplay(
  config: Configuration,
  out: (line: string) => void,
  terminal: TtyStream & { isTTY?: boolean },
  shared: ReadonlyArray<TtyStream & { isTTY?: boolean }>,
  captureOutput: boolean,
): ProgressDisplay {
  const mode = config.get(ProgressOptions.MODE);
  if (mode === 'off') return NO_PROGRESS;
  const tty = mode === 'tty' || (mode === 'auto' && terminal.isTTY === true && !captureOutput);
  const intervalMs = config.get(ProgressOptions.INTERVAL);
  return () =>
    tty
      ? new TtyProgress(
          terminal,
          shared.filter((s) => s.isTTY === true),
        )
      : new PlainProgress(out, intervalMs);
}
