/**
 * The progress of an attached `spindle run` and the per-vertex figures behind it: plain lines
 * when stdout is not a terminal, a table redrawn in place under a pseudo-terminal (util-linux
 * `script`), progress kept off stdout with `--capture-output`, none with `-q` or `-d`; and on a
 * session cluster the REST vertices of a BATCH job (blocking partitions between its stages) with
 * the record counts the job's input implies, live while a stage runs and exact once it finished.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { CLI, REPO_ROOT, describeRun, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { FIRST_MOD, expectedStageLines } from './jobs/batch-stages-job.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const JOBS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs');
const STAGES_JOB = path.join(JOBS, 'batch-stages-job.js');
const SLOW_JOB = path.join(JOBS, 'slow-batch-job.js');
const N = 20_000;
const ESC = String.fromCharCode(27);

interface StageFigures {
  name: string;
  recordsIn: number;
  recordsOut: number;
  bytesIn: string;
  bytesOut: string;
}

/** What each of the three stages of batch-stages-job reads and writes, by plain arithmetic. */
function expectedStageRecords(n: number): Array<[number, number]> {
  const firstKeys = new Set<number>();
  for (let x = 1; x <= n; x++) firstKeys.add(x % FIRST_MOD);
  // Stage 1 (source) writes every number; stage 2 reads them and writes one sum per key of the
  // first shuffle; stage 3 reads those sums and only writes to its sink (no records out, as in Flink).
  return [
    [0, n],
    [n, firstKeys.size],
    [firstKeys.size, 0],
  ];
}

function parseCount(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/** The `Stage '<name>' (i/3) FINISHED: ...` lines of the plain progress, in order. */
function finishedStages(text: string): StageFigures[] {
  const pattern = /^Stage '(.+)' \((\d+)\/3\) FINISHED: ([\d,]+) records in, ([\d,]+) records out, (\S+ \S+) in, (\S+ \S+) out, \S+ s$/gm;
  return [...text.matchAll(pattern)]
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((m) => ({ name: m[1]!, recordsIn: parseCount(m[3]!), recordsOut: parseCount(m[4]!), bytesIn: m[5]!, bytesOut: m[6]! }));
}

function expectStageFigures(stages: StageFigures[], n: number, context: string): void {
  expect(
    stages.map((s) => [s.recordsIn, s.recordsOut]),
    context,
  ).to.deep.equal(expectedStageRecords(n));
  // What a stage wrote into its blocking partitions is what the next stage read from them.
  expect(stages[0]!.bytesOut, context).to.equal(stages[1]!.bytesIn);
  expect(stages[1]!.bytesOut, context).to.equal(stages[2]!.bytesIn);
  expect(stages[0]!.bytesOut, context).to.not.equal('0 B');
}

function expectSums(output: string, n: number): void {
  expect(readPartFiles(output).lines.sort()).to.deep.equal(expectedStageLines(n));
}

/** Runs `spindle <args>` inside a pseudo-terminal (`script -qfec`); resolves with what the terminal showed. */
function runInPseudoTerminal(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(out).toString('utf8') });
    });
  });
}

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('progress of an attached spindle run (embedded cluster, BATCH, 3 stages)', function () {
  this.timeout(240_000);
  let dir: string;

  before(() => {
    dir = tempDir('progress');
  });
  after(() => removeDir(dir));

  it('prints a plain line per stage change and each FINISHED stage with the counts of its input', async () => {
    const output = path.join(dir, 'plain');
    const args = ['run', '--no-typecheck', STAGES_JOB, '--output', output, '--n', String(N)];
    const r = await runCli(args, 120_000);
    expectJobsFinished(args, r);
    const context = describeRun(args, r);
    const stages = finishedStages(r.stdout);
    expect(
      stages.map((s) => s.name),
      context,
    ).to.have.length(3);
    expect(stages[0]!.name, context).to.include('Stage 1');
    expectStageFigures(stages, N, context);
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    // Progress sits between the JobID line and Flink's closing lines, each of those on a line of its own.
    expect(at(/^Job has been submitted with JobID /), context).to.be.lessThan(at(/^Stage '/));
    expect(at(/^Job FINISHED: 3\/3 stages finished, /), context).to.be.greaterThan(at(/FINISHED: /));
    expect(at(/^Job FINISHED: 3\/3 stages finished, /), context).to.be.lessThan(at(/^Program execution finished$/));
    expect(r.stdout, context).to.not.include(`${ESC}[`);
    expectSums(output, N);
  });

  it('redraws a table in place under a pseudo-terminal, the last one with every stage FINISHED and its counts', async function () {
    if (!hasScript) this.skip();
    const output = path.join(dir, 'tty');
    const args = ['run', '--no-typecheck', STAGES_JOB, '--output', output, '--n', String(N)];
    const r = await runInPseudoTerminal(args, 120_000);
    const context = `spindle ${args.join(' ')} in a pseudo-terminal: exit ${r.code}\n${r.output.slice(-4000)}`;
    expect(r.code, context).to.equal(0);
    // Drawn with line clears (how often it was redrawn depends on the job's duration: the unit tests check redraws).
    expect(r.output, context).to.include(`${ESC}[2K`);
    const plain = r.output.replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, 'g'), '').replace(/\r/g, '');
    const lines = plain.split('\n');
    const header = lines.findLastIndex((l) => l.startsWith('Job FINISHED | 3/3 stages finished | '));
    expect(header, context).to.be.at.least(0);
    // The header, the column titles, then a row per stage: number, name, status, subtasks, records in, records out, ...
    const rows = lines.slice(header + 2, header + 5);
    rows.forEach((row, i) => {
      const m = new RegExp(`^\\s*${i + 1} .* FINISHED\\s+4/4\\s+([\\d,]+)\\s+([\\d,]+)\\s`).exec(row);
      expect(m, `row ${i + 1}: ${row}\n${context}`).to.not.equal(null);
      expect([parseCount(m![1]!), parseCount(m![2]!)], context).to.deep.equal(expectedStageRecords(N)[i]);
    });
    // The lines orchestrators read stay whole.
    expect(plain, context).to.match(/^Job has been submitted with JobID [0-9a-f]{32}$/m);
    expect(plain, context).to.match(/^Job Runtime: \d+ ms$/m);
    expectSums(output, N);
  });

  it('--capture-output: stdout is only the properties document, the progress lines go to stderr', async () => {
    const output = path.join(dir, 'captured');
    const args = ['run', '--capture-output', '--no-typecheck', STAGES_JOB, '--output', output, '--n', String(N)];
    const r = await runCli(args, 120_000);
    const context = describeRun(args, r);
    expect(r.code, context).to.equal(0);
    expect(r.stdout, context).to.match(/^jobId=[0-9a-f]{32}\n$/);
    expectStageFigures(finishedStages(r.stderr), N, context);
    expect(r.stderr, context).to.match(/^Job Runtime: \d+ ms$/m);
  });

  it('-q: no progress lines', async () => {
    const output = path.join(dir, 'quiet');
    const args = ['run', '-q', '--no-typecheck', STAGES_JOB, '--output', output, '--n', '1000'];
    const r = await runCli(args, 120_000);
    expectJobsFinished(args, r);
    expect(r.stdout + r.stderr, describeRun(args, r)).to.not.match(/^(Stage '|Job FINISHED)/m);
    expectSums(output, 1000);
  });
});

interface VertexWire {
  id: string;
  name: string;
  status: string;
  metrics: Record<string, number | boolean>;
}

describe('progress and REST vertex figures of BATCH jobs on a session cluster', function () {
  this.timeout(300_000);
  let cluster: SessionCluster | undefined;

  before(async () => {
    cluster = await startSessionCluster('progress', {
      taskManagers: 1,
      slotsPerTaskManager: 2,
      dynamic: ['-Dheartbeat.interval=500 ms'],
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('attached -m: the same FINISHED lines, and /jobs/:jobid and /vertices/:vertexid hold the known counts', async () => {
    const output = path.join(cluster!.dir, 'stages');
    const args = ['run', '--no-typecheck', '-m', cluster!.rest, STAGES_JOB, '--output', output, '--n', String(N)];
    const r = await runCli(args, 120_000);
    const [jobId] = expectJobsFinished(args, r);
    const context = describeRun(args, r);
    expectStageFigures(finishedStages(r.stdout), N, context);
    expectSums(output, N);

    const details = await cluster!.get<{ state: string; vertices: VertexWire[] }>(`/jobs/${jobId}`);
    expect(details.state).to.equal('FINISHED');
    const expected = expectedStageRecords(N);
    details.vertices.forEach((v, i) => {
      expect(v.status, v.name).to.equal('FINISHED');
      expect([v.metrics['read-records'], v.metrics['write-records']], v.name).to.deep.equal(expected[i]);
      for (const flag of ['read-records-complete', 'write-records-complete', 'read-bytes-complete', 'write-bytes-complete'])
        expect(v.metrics[flag], `${v.name} ${flag}`).to.equal(true);
    });
    const [first, second, third] = details.vertices as [VertexWire, VertexWire, VertexWire];
    expect(first.metrics['write-bytes']).to.be.greaterThan(0);
    expect(first.metrics['write-bytes']).to.equal(second.metrics['read-bytes']);
    expect(second.metrics['write-bytes']).to.equal(third.metrics['read-bytes']);

    for (const v of details.vertices) {
      const vertex = await cluster!.get<{ subtasks: Array<{ metrics: Record<string, number> }> }>(`/jobs/${jobId}/vertices/${v.id}`);
      const sum = (key: string) => vertex.subtasks.reduce((n, s) => n + s.metrics[key]!, 0);
      for (const key of ['read-records', 'write-records', 'read-bytes', 'write-bytes'])
        expect(sum(key), `${v.name} ${key} over its subtasks`).to.equal(v.metrics[key]);
    }
  });

  it('a running BATCH stage shows its figures before it finished (-d prints no progress)', async () => {
    const n = 3000;
    const args = ['run', '--no-typecheck', '-m', cluster!.rest, '-d', SLOW_JOB, '--n', String(n), '--rate', '1000'];
    const r = await runCli(args, 60_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    expect(r.stdout + r.stderr, describeRun(args, r)).to.not.match(/^(Stage '|Job (RUNNING|FINISHED))/m);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const vertices = () => cluster!.get<{ state: string; vertices: VertexWire[] }>(`/jobs/${jobId}`);
    await until(
      'the source stage to report records while it runs',
      async () => {
        const d = await vertices();
        const source = d.vertices[0]!;
        const written = source.metrics['write-records'] as number;
        return source.status === 'RUNNING' && written > 0 && written < n ? source : undefined;
      },
      60_000,
    );
    // (Bytes count whole network buffers, as in Flink: a running stage may show records before bytes.)
    const done = await until('the job to finish', async () => ((await vertices()).state === 'FINISHED' ? vertices() : undefined), 60_000);
    // The sums go to a sink chained to stage 2: it writes no records to the network.
    expect(done.vertices.map((v) => [v.metrics['read-records'], v.metrics['write-records']])).to.deep.equal([
      [0, n],
      [n, 0],
    ]);
    expect(done.vertices[0]!.metrics['write-bytes']).to.be.greaterThan(0).and.equal(done.vertices[1]!.metrics['read-bytes']);
  });
});
