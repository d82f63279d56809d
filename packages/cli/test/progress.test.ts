import { expect } from 'chai';
import { Configuration } from '@spindle/core';
import { NO_PROGRESS, ProgressFollower, followJob, progressDisplay, type JobDetailsSource } from '../src/job-progress.js';
import { formatBytes, formatCount, formatElapsed, type JobProgressSnapshot, type VertexProgress } from '../src/progress-format.js';
import { PlainProgress, TtyProgress, table, type ProgressRenderer } from '../src/progress-render.js';

const ESC = String.fromCharCode(27);

function vertex(
  name: string,
  status: string,
  figures: Partial<{ in: number; out: number; bytesIn: number; bytesOut: number }> = {},
): VertexProgress {
  return {
    id: name,
    name,
    parallelism: 4,
    status,
    duration: status === 'CREATED' ? -1 : 3200,
    tasks: { FINISHED: status === 'FINISHED' ? 4 : 1 },
    metrics: {
      'read-records': figures.in ?? 0,
      'write-records': figures.out ?? 0,
      'read-bytes': figures.bytesIn ?? 0,
      'write-bytes': figures.bytesOut ?? 0,
    },
  };
}

function snapshot(state: string, ...vertices: VertexProgress[]): JobProgressSnapshot {
  return { state, duration: 5000, vertices };
}

describe('progress figures', () => {
  it('counts with separators, bytes in binary units, elapsed times', () => {
    expect(formatCount(1_000_000)).to.equal('1,000,000');
    expect(formatCount(999)).to.equal('999');
    expect(formatBytes(512)).to.equal('512 B');
    expect(formatBytes(12.3 * 1024 * 1024)).to.equal('12.3 MB');
    expect(formatElapsed(3210)).to.equal('3.2 s');
    expect(formatElapsed(125_000)).to.equal('2m 05s');
    expect(formatElapsed(3_720_000)).to.equal('1h 02m');
    expect(formatElapsed(-1)).to.equal('-');
  });
});

describe('PlainProgress', () => {
  it('prints each stage change once, the figures of ended stages, and a summary', () => {
    const lines: string[] = [];
    const plain = new PlainProgress((l) => lines.push(l), 0);
    plain.update(snapshot('RUNNING', vertex('Source -> Map', 'DEPLOYING'), vertex('Sink', 'CREATED')));
    plain.update(snapshot('RUNNING', vertex('Source -> Map', 'RUNNING'), vertex('Sink', 'CREATED')));
    plain.update(snapshot('RUNNING', vertex('Source -> Map', 'RUNNING', { out: 10 }), vertex('Sink', 'CREATED')));
    plain.finish(
      snapshot(
        'FINISHED',
        vertex('Source -> Map', 'FINISHED', { out: 1_000_000, bytesOut: 12.3 * 1024 * 1024 }),
        vertex('Sink', 'FINISHED', { in: 1_000_000, bytesIn: 12.3 * 1024 * 1024 }),
      ),
    );
    expect(lines).to.deep.equal([
      "Stage 'Source -> Map' (1/2) RUNNING",
      "Stage 'Source -> Map' (1/2) FINISHED: 0 records in, 1,000,000 records out, 0 B in, 12.3 MB out, 3.2 s",
      "Stage 'Sink' (2/2) FINISHED: 1,000,000 records in, 0 records out, 12.3 MB in, 0 B out, 3.2 s",
      'Job FINISHED: 2/2 stages finished, 5.0 s',
    ]);
  });

  it('says when the job restarts and a stage runs again', () => {
    const lines: string[] = [];
    const plain = new PlainProgress((l) => lines.push(l), 0);
    plain.update(snapshot('RUNNING', vertex('Map', 'RUNNING')));
    plain.update(snapshot('RESTARTING', vertex('Map', 'FAILED')));
    plain.update(snapshot('RUNNING', vertex('Map', 'RUNNING')));
    expect(lines).to.deep.equal([
      "Stage 'Map' (1/1) RUNNING",
      'Job RESTARTING',
      "Stage 'Map' (1/1) FAILED: 0 records in, 0 records out, 0 B in, 0 B out, 3.2 s",
      'Job RUNNING',
      "Stage 'Map' (1/1) RUNNING",
    ]);
  });

  it('with an interval, a line per running stage at most that often', () => {
    const lines: string[] = [];
    let now = 0;
    const plain = new PlainProgress(
      (l) => lines.push(l),
      10_000,
      () => now,
    );
    const running = snapshot('RUNNING', vertex('Map', 'RUNNING', { in: 5, out: 5 }));
    plain.update(running);
    now = 5000;
    plain.update(running);
    expect(lines).to.deep.equal(["Stage 'Map' (1/1) RUNNING"]);
    now = 10_000;
    plain.update(running);
    expect(lines.slice(1)).to.deep.equal([
      'Job RUNNING: 0/1 stages finished, 5.0 s',
      "Stage 'Map' (1/1) RUNNING: 1/4 subtasks finished, 5 records in, 5 records out, 0 B in, 0 B out, 3.2 s",
    ]);
  });
});

/** A stream that keeps what was written to it, as a terminal would receive it. */
function fakeTerminal(columns?: number) {
  const stream = {
    text: '',
    columns,
    write: (chunk: string | Uint8Array): boolean => {
      stream.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
  };
  return stream;
}

describe('TtyProgress', () => {
  it('redraws the table in place: cursor up over the previous one, each line cleared', () => {
    const terminal = fakeTerminal();
    const tty = new TtyProgress(terminal);
    tty.update(snapshot('RUNNING', vertex('Map', 'RUNNING', { in: 5 })));
    expect(terminal.text).to.not.include(`${ESC}[3A`);
    tty.update(snapshot('RUNNING', vertex('Map', 'RUNNING', { in: 7 })));
    expect(terminal.text).to.include(`${ESC}[3A`);
    tty.finish(snapshot('FINISHED', vertex('Map', 'FINISHED', { in: 1_000_000 })));
    const lastTable = terminal.text.slice(terminal.text.lastIndexOf(`${ESC}[3A`));
    expect(lastTable).to.include('Job FINISHED | 1/1 stages finished | 5.0 s');
    expect(lastTable).to.match(/1 Map\s+FINISHED\s+4\/4\s+1,000,000\s+0\s/);
    expect(lastTable.split(`\r${ESC}[2K`)).to.have.length(4);
  });

  it('erases the table before anything else is written, so that no line is overwritten, and gives the stream back', () => {
    const terminal = fakeTerminal();
    const original = terminal.write;
    const tty = new TtyProgress(terminal);
    tty.update(snapshot('RUNNING', vertex('Map', 'RUNNING')));
    terminal.write('printed by the job\n');
    expect(terminal.text).to.include(`${ESC}[3A\r${ESC}[Jprinted by the job\n`);
    tty.update(snapshot('RUNNING', vertex('Map', 'RUNNING')));
    // Drawn again below the job's line, not over it.
    expect(terminal.text.slice(terminal.text.indexOf('printed by the job\n') + 19)).to.match(new RegExp(`^\\r${ESC}\\[2KJob RUNNING`));
    tty.finish(undefined);
    expect(terminal.write).to.equal(original);
  });

  it('cuts lines to the terminal width', () => {
    const terminal = fakeTerminal(40);
    const tty = new TtyProgress(terminal);
    tty.update(snapshot('RUNNING', vertex('A very long stage name that goes on and on', 'RUNNING')));
    const lines = terminal.text.split('\n').map((l) => l.replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|\\r`, 'g'), ''));
    for (const l of lines) expect(l.length).to.be.at.most(39);
  });

  it('shows one row per stage under the column titles', () => {
    const rows = table(snapshot('RUNNING', vertex('Source', 'FINISHED', { out: 100 }), vertex('Sink', 'CREATED')));
    expect(rows).to.have.length(4);
    expect(rows[1]).to.match(/^\s*# Stage\s+Status\s+Subtasks\s+Records in\s+Records out\s+Bytes in\s+Bytes out\s+Time$/);
    expect(rows[3]).to.match(/^\s*2 Sink\s+CREATED\s+1\/4\s+0\s+0\s+0 B\s+0 B\s+-$/);
  });
});

/** Records what the follower hands on. */
class RecordingRenderer implements ProgressRenderer {
  readonly updates: JobProgressSnapshot[] = [];
  finished: JobProgressSnapshot | undefined | 'not yet' = 'not yet';
  update(s: JobProgressSnapshot): void {
    this.updates.push(s);
  }
  finish(s: JobProgressSnapshot | undefined): void {
    this.finished = s;
  }
}

describe('ProgressFollower', () => {
  it('polls until finished, skips failed reads, and ends with a last read', async () => {
    let reads = 0;
    const source: JobDetailsSource = () => {
      reads++;
      if (reads === 2) return Promise.reject(new Error('JobManager briefly unreachable'));
      return Promise.resolve(snapshot(reads >= 4 ? 'FINISHED' : 'RUNNING', vertex('Map', 'RUNNING')));
    };
    const renderer = new RecordingRenderer();
    const follower = new ProgressFollower(source, renderer, 1).start();
    const deadline = Date.now() + 10_000;
    while (renderer.updates.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await follower.finish();
    expect(renderer.updates.length).to.be.at.least(2);
    expect(renderer.finished).to.not.equal('not yet');
    const polled = reads;
    await new Promise((r) => setTimeout(r, 20));
    expect(reads, 'no reads after finish').to.equal(polled);
    await follower.finish();
    expect(reads, 'finish is idempotent').to.equal(polled);
  });

  it('says once on stderr that the job waits for slots, with progress off too', async () => {
    const lines: string[] = [];
    let reads = 0;
    const source: JobDetailsSource = () => {
      reads++;
      const s = snapshot('RUNNING', vertex('Map', 'CREATED'));
      return Promise.resolve(reads < 5 ? { ...s, 'spindle-slot-wait': { needed: 4, missing: 2, free: 2 } } : s);
    };
    const progress = followJob(source, NO_PROGRESS, (l) => lines.push(l));
    const deadline = Date.now() + 10_000;
    while (reads < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await progress.finish();
    expect(lines).to.deep.equal(['waiting for 4 slots; the cluster has 2 free']);
  });

  it('client.progress.mode off shows nothing; auto draws a table only on a terminal without --capture-output', () => {
    const off = new Configuration({ 'client.progress.mode': 'off' });
    expect(progressDisplay(off, () => undefined, fakeTerminal(), [], false)).to.equal(NO_PROGRESS);
    const auto = new Configuration();
    const terminal = Object.assign(fakeTerminal(), { isTTY: true });
    const stderr = Object.assign(fakeTerminal(), { isTTY: true });
    const [original, originalErr] = [terminal.write, stderr.write];
    const table = progressDisplay(auto, () => undefined, terminal, [stderr], false)();
    expect(table).to.be.instanceOf(TtyProgress);
    expect(terminal.write, 'the table guards the terminal').to.not.equal(original);
    expect(stderr.write, 'and stderr on the same terminal').to.not.equal(originalErr);
    table!.finish(undefined);
    expect([terminal.write, stderr.write]).to.deep.equal([original, originalErr]);
    expect(progressDisplay(auto, () => undefined, terminal, [stderr], true)()).to.be.instanceOf(PlainProgress);
    expect(progressDisplay(auto, () => undefined, fakeTerminal(), [], false)()).to.be.instanceOf(PlainProgress);
    expect(
      progressDisplay(new Configuration({ 'client.progress.mode': 'tty' }), () => undefined, fakeTerminal(), [], false)(),
    ).to.be.instanceOf(TtyProgress);
  });
});
