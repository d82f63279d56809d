import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { describeRun, runCli, type CliResult } from './cli-harness.js';
import { committedLines } from './jobs/checkpoint-verification-job.js';
import { expectedSavepointLines } from './jobs/savepoint-job.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'savepoint-job.js');

describe('savepoints: stop with a savepoint, resume at another parallelism, uid matching (session cluster)', function () {
  this.timeout(600_000);
  let cluster: SessionCluster;
  let savepoints: string;
  const checkpointing = (): string[] => [
    '-Dexecution.checkpointing.interval=300 ms',
    `-Dexecution.checkpointing.dir=${path.join(cluster.dir, 'checkpoints')}`,
  ];

  before(async () => {
    cluster = await startSessionCluster('savepoints', { taskManagers: 1, slotsPerTaskManager: 4 });
    savepoints = path.join(cluster.dir, 'savepoints');
  });

  after(async () => {
    await cluster?.stop();
  });

  /** A savepoint with keyed state of the default job (uids as the job sets them), taken by the first test. */
  let keyedSavepoint: string | undefined;

  const status = async (jobId: string): Promise<string> => (await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status;

  async function submitDetached(extra: string[], jobArgs: string[]): Promise<string> {
    const args = ['run', '--no-typecheck', '-m', cluster.rest, '-d', ...extra, JOB, ...jobArgs];
    const r = await runCli(args, 120_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    return /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
  }

  /** Waits for more committed lines than `before`, then stops the job with a savepoint; returns its path. */
  async function progressThenStop(jobId: string, output: string, before: number): Promise<string> {
    await until(
      'committed progress',
      async () => ((await status(jobId)) === 'RUNNING' && committedLines(output).length > before + 200 ? true : undefined),
      120_000,
    );
    const args = ['stop', '-m', cluster.rest, '-p', savepoints, jobId];
    const r = await runCli(args, 120_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    expect(r.stdout).to.include(`Suspending job "${jobId}" with a savepoint.`);
    const location = /Savepoint completed\. Path: (\S+)/.exec(r.stdout)![1]!;
    expect(path.basename(location)).to.match(new RegExp(`^savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    await until('the stopped job to finish', async () => ((await status(jobId)) === 'FINISHED' ? true : undefined), 60_000);
    return location;
  }

  async function makeKeyedSavepoint(): Promise<string> {
    const output = path.join(cluster.dir, 'keyed-savepoint-out');
    const jobId = await submitDetached(['-p', '2', ...checkpointing()], ['--n', '16000', '--rate', '1500', '--output', output]);
    return progressThenStop(jobId, output, 0);
  }

  function runAttached(extra: string[], jobArgs: string[]): Promise<CliResult> {
    return runCli(['run', '--no-typecheck', '-m', cluster.rest, ...extra, JOB, ...jobArgs], 300_000);
  }

  it('stops at parallelism 2, resumes at 3, stops, resumes at 1: keyed state and timers all there, none twice', async () => {
    const output = path.join(cluster.dir, 'rescale-out');
    const n = 16_000;
    const jobArgs = ['--n', String(n), '--rate', '1500', '--output', output];
    const first = await submitDetached(['-p', '2', ...checkpointing()], jobArgs);
    const sp1 = await progressThenStop(first, output, 0);
    expect(fs.existsSync(path.join(sp1, '_metadata'))).to.equal(true);
    keyedSavepoint = sp1;
    // The savepoint holds its own state: the job's checkpoints are gone, the savepoint is not.
    const second = await submitDetached(['-p', '3', '-s', sp1, ...checkpointing()], jobArgs);
    const sp2 = await progressThenStop(second, output, committedLines(output).length);
    const args = ['-p', '1', '-s', sp2, ...checkpointing()];
    const r = await runAttached(args, jobArgs);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const got = committedLines(output);
    const expected = expectedSavepointLines(n);
    const counts = new Map<string, number>();
    for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
    const lost = expected.filter((l) => !counts.has(l));
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([l]) => l);
    expect({ lost: lost.slice(0, 5), duplicated: duplicated.slice(0, 5) }).to.deep.equal({ lost: [], duplicated: [] });
    expect(got).to.deep.equal(expected);
  });

  it('spindle savepoint keeps the job running; state of an unknown uid fails without -n and is dropped with it', async () => {
    const output = path.join(cluster.dir, 'uid-out');
    const jobId = await submitDetached(['-p', '2'], ['--n', '40000', '--rate', '2000', '--output', output]);
    await until(
      'every task of the job to run',
      async () => {
        const { jobs } = await cluster.get<{ jobs: Array<{ jid: string; tasks: { total: number; running: number } }> }>('/jobs/overview');
        const job = jobs.find((j) => j.jid === jobId);
        return job && job.tasks.running === job.tasks.total ? true : undefined;
      },
      60_000,
    );
    const sargs = ['savepoint', '-m', cluster.rest, jobId, savepoints];
    const s = await runCli(sargs, 120_000);
    expect(s.code, describeRun(sargs, s)).to.equal(0);
    expect(s.stdout).to.include(`Triggering savepoint for job ${jobId}.`);
    const location = /Savepoint completed\. Path: (\S+)/.exec(s.stdout)![1]!;
    expect(await status(jobId)).to.be.oneOf(['RUNNING', 'FINISHED']);
    await expectCheckpointStats(cluster, jobId, location);
    const renamed = [
      '--n',
      '40000',
      '--rate',
      '20000',
      '--strict',
      'false',
      '--checker-uid',
      'checker-v2',
      '--output',
      path.join(cluster.dir, 'uid-out-2'),
    ];
    const refused = await runAttached(['-s', location], renamed);
    expect(refused.code, describeRun(['-s', location], refused)).to.equal(1);
    expect(refused.stdout + refused.stderr).to.include("uid 'sequence-checker'");
    expect(refused.stdout + refused.stderr).to.include('allowNonRestoredState');
    const allowed = await runAttached(['-s', location, '-n'], renamed);
    expect(allowed.code, describeRun(['-s', location, '-n'], allowed)).to.equal(0);
    // The same job again (an upgrade keeps its uids): the normal path.
    const same = await runAttached(['-s', location], ['--n', '40000', '--rate', '20000', '--output', path.join(cluster.dir, 'uid-out-3')]);
    expect(same.code, describeRun(['-s', location], same)).to.equal(0);
    const cancel = await runCli(['cancel', '-m', cluster.rest, jobId], 60_000);
    expect(cancel.code, describeRun(['cancel', jobId], cancel)).to.equal(0);
  });

  it('subtasks that had finished at the restored checkpoint still commit what it recorded (FileSink and a two-phase sink)', async () => {
    const output = path.join(cluster.dir, 'finished-out');
    const files = path.join(output, 'files');
    const jobArgs = ['--n', '100000', '--rate', '1500', '--output', output, '--file-sink', files];
    const jobId = await submitDetached(['-p', '2', ...checkpointing()], jobArgs);
    const sp = await progressThenStop(jobId, output, 0);
    // As if the job had failed after its final checkpoint completed, before the sink committed:
    // every subtask finished at that checkpoint, and what it staged is not committed yet.
    // The sink's files of the savepoint's own checkpoint (`part-<subtask>-<checkpoint>-<attempt>`) are what its state holds.
    const committed = path.join(output, 'committed');
    const finished = path.join(cluster.dir, 'finished-savepoint');
    fs.mkdirSync(finished);
    const { checkpointId } = rewriteMetadata(path.join(sp, '_metadata'), path.join(finished, '_metadata'), (m) => {
      for (const v of m.vertices) for (const s of v.subtasks) s.finished = true;
    });
    const recorded = fs.readdirSync(committed).filter((name) => Number(name.split('-')[2]) === checkpointId);
    expect(recorded.length).to.be.greaterThan(0);
    for (const name of recorded) fs.renameSync(path.join(committed, name), path.join(output, 'staged', name));
    // The FileSink's pending files of that checkpoint: their hidden in-progress names are in its state files.
    const uncommitted = uncommitFileSinkParts(sp, files);
    expect(uncommitted.length).to.be.greaterThan(0);
    const args = ['-p', '2', '-s', finished, ...checkpointing()];
    const r = await runAttached(args, jobArgs);
    expect(r.code, describeRun(args, r)).to.equal(0);
    for (const { temp, target } of uncommitted) {
      expect(fs.existsSync(target), target).to.equal(true);
      expect(fs.existsSync(temp), temp).to.equal(false);
    }
    expect(fs.readdirSync(committed)).to.include.members(recorded);
    expect(fs.readdirSync(path.join(output, 'staged')).filter((name) => recorded.includes(name))).to.deep.equal([]);
  });

  it('stop --drain fires every event-time timer before the savepoint', async () => {
    const output = path.join(cluster.dir, 'drain-out');
    const jobArgs = ['--n', '100000', '--rate', '1500', '--output', output];
    const jobId = await submitDetached(['-p', '2', ...checkpointing()], jobArgs);
    await until(
      'committed progress',
      async () => ((await status(jobId)) === 'RUNNING' && committedLines(output).length > 200 ? true : undefined),
      120_000,
    );
    const args = ['stop', '-m', cluster.rest, '--drain', '-p', savepoints, jobId];
    const r = await runCli(args, 120_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const sp = /Savepoint completed\. Path: (\S+)/.exec(r.stdout)![1]!;
    // Restored with every subtask finished, the sink commits what the savepoint staged and nothing more.
    const finished = path.join(cluster.dir, 'drained-savepoint');
    fs.mkdirSync(finished);
    rewriteMetadata(path.join(sp, '_metadata'), path.join(finished, '_metadata'), (m) => {
      for (const v of m.vertices) for (const s of v.subtasks) s.finished = true;
    });
    const restored = await runAttached(['-p', '2', '-s', finished, ...checkpointing()], jobArgs);
    expect(restored.code, describeRun(['-s', finished], restored)).to.equal(0);
    const lines = committedLines(output);
    const elements = lines.filter((l) => l.startsWith('E ')).length;
    expect(elements).to.be.greaterThan(200);
    // Every element's timer fired: one T line per E line (each element registers one timer).
    expect(lines.filter((l) => l.startsWith('T ')).length).to.equal(elements);
    expect(new Set(lines).size).to.equal(lines.length);
  });

  it('bad input: a missing path, a truncated or corrupt _metadata, a changed max parallelism are clear errors', async () => {
    const jobArgs = ['--n', '100', '--output', path.join(cluster.dir, 'bad-out')];
    const missing = await runAttached(['-s', path.join(cluster.dir, 'no-such-savepoint')], jobArgs);
    expect(missing.code).to.equal(1);
    expect(missing.stdout + missing.stderr).to.include('does not exist');
    // A savepoint of this job with keyed state (the directory also holds savepoints of other jobs of this file).
    const sp = keyedSavepoint ?? (await makeKeyedSavepoint());
    const broken = path.join(cluster.dir, 'broken-savepoint');
    fs.cpSync(sp, broken, { recursive: true });
    const metadata = path.join(broken, '_metadata');
    const bytes = fs.readFileSync(metadata);
    fs.writeFileSync(metadata, bytes.subarray(0, bytes.length - 10));
    const truncated = await runAttached(['-s', broken], jobArgs);
    expect(truncated.code).to.equal(1);
    expect(truncated.stdout + truncated.stderr).to.include('truncated or corrupt');
    // Keyed state written with the default maximum parallelism (128) cannot go to another.
    const rescaled = await runAttached(['-s', sp, '-Dpipeline.max-parallelism=64'], jobArgs);
    expect(rescaled.code).to.equal(1);
    expect(rescaled.stdout + rescaled.stderr).to.include('pipeline.max-parallelism must not change');
    fs.writeFileSync(metadata, Buffer.from('not metadata at all'));
    const corrupt = await runAttached(['-s', broken], jobArgs);
    expect(corrupt.code).to.equal(1);
    expect(corrupt.stdout + corrupt.stderr).to.include('is not checkpoint metadata');
  });
});

interface Metadata {
  checkpointId: number;
  vertices: Array<{ subtasks: Array<{ finished: boolean }> }>;
}

/** Rewrites a `_metadata` file (header: magic, version, body length, SHA-256 of the body; then the JSON body). */
function rewriteMetadata(from: string, to: string, change: (m: Metadata) => void): Metadata {
  const bytes = fs.readFileSync(from);
  const newline = bytes.indexOf(10);
  const [magic, version] = bytes.subarray(0, newline).toString('utf8').split(' ');
  const metadata = JSON.parse(bytes.subarray(newline + 1).toString('utf8')) as Metadata;
  change(metadata);
  const body = Buffer.from(JSON.stringify(metadata), 'utf8');
  const digest = createHash('sha256').update(body).digest('hex');
  fs.writeFileSync(to, Buffer.concat([Buffer.from(`${magic} ${version} ${body.length} ${digest}\n`, 'utf8'), body]));
  return metadata;
}

interface CheckpointEntry {
  className: string;
  id: number;
  status: string;
  is_savepoint: boolean;
  external_path?: string;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  tasks: Record<string, { num_subtasks: number; num_acknowledged_subtasks: number; state_size: number }>;
}

/** The REST checkpoint statistics of a job that took one savepoint (and no checkpoints) into `location`. */
async function expectCheckpointStats(cluster: SessionCluster, jobId: string, location: string): Promise<void> {
  const stats = await cluster.get<{
    counts: Record<string, number>;
    summary: Record<string, Record<string, number>>;
    latest: { completed: CheckpointEntry | null; savepoint: CheckpointEntry | null; failed: unknown; restored: unknown };
    history: CheckpointEntry[];
  }>(`/jobs/${jobId}/checkpoints`);
  expect(Object.keys(stats.counts).sort()).to.deep.equal(['completed', 'failed', 'in_progress', 'restored', 'total']);
  expect(stats.counts.completed).to.equal(1);
  expect(Object.keys(stats.summary).sort()).to.deep.equal([
    'alignment_buffered',
    'checkpointed_size',
    'end_to_end_duration',
    'persisted_data',
    'processed_data',
    'state_size',
  ]);
  expect(stats.latest.completed).to.equal(null);
  const savepoint = stats.latest.savepoint!;
  expect(savepoint).to.include({ className: 'completed', status: 'COMPLETED', is_savepoint: true, external_path: location });
  expect(savepoint.num_acknowledged_subtasks).to.equal(savepoint.num_subtasks);
  const config = await cluster.get<Record<string, unknown>>(`/jobs/${jobId}/checkpoints/config`);
  expect(config).to.include({ mode: 'exactly_once', max_concurrent: 1 });
  expect(config).to.have.keys(
    'mode',
    'interval',
    'timeout',
    'min_pause',
    'max_concurrent',
    'externalization',
    'state_backend',
    'checkpoint_storage',
    'unaligned_checkpoints',
    'tolerable_failed_checkpoints',
    'aligned_checkpoint_timeout',
    'checkpoints_after_tasks_finish',
    'state_changelog_enabled',
    'changelog_periodic_materialization_interval',
    'changelog_storage',
  );
  const details = await cluster.get<CheckpointEntry>(`/jobs/${jobId}/checkpoints/details/${savepoint.id}`);
  const tasks = Object.values(details.tasks);
  expect(tasks.length).to.be.greaterThan(1);
  for (const t of tasks) expect(t.num_acknowledged_subtasks).to.equal(t.num_subtasks);
  const code = async (p: string): Promise<{ status: number; errors: unknown }> => {
    const r = await fetch(`http://${cluster.rest}${p}`);
    return { status: r.status, errors: ((await r.json()) as { errors?: unknown }).errors };
  };
  expect((await code(`/jobs/${jobId}/checkpoints/details/999999`)).status).to.equal(404);
  const malformed = await code(`/jobs/${jobId}/checkpoints/details/abc`);
  expect(malformed.status).to.equal(400);
  expect(malformed.errors).to.be.an('array');
  expect((await code(`/jobs/${'0'.repeat(32)}/checkpoints`)).status).to.equal(404);
  expect((await code(`/jobs/${jobId}/savepoints/${'0'.repeat(32)}`)).status).to.equal(404);
}

/**
 * Turns the FileSink part files that the savepoint recorded as pending back into their hidden
 * in-progress files (as if the commit after the checkpoint had not happened). The state files
 * hold each pending file's in-progress name `.<part>.inprogress.<uuid>` as plain bytes.
 */
function uncommitFileSinkParts(savepoint: string, files: string): Array<{ temp: string; target: string }> {
  const names = new Set<string>();
  for (const f of fs.readdirSync(savepoint).filter((n) => n !== '_metadata')) {
    const text = fs.readFileSync(path.join(savepoint, f)).toString('latin1');
    for (const m of text.matchAll(/\.(part-[\w.-]+?)\.inprogress\.[0-9a-f-]{36}/g)) names.add(m[0]);
  }
  const moved: Array<{ temp: string; target: string }> = [];
  for (const dir of fs
    .readdirSync(files, { recursive: true, withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(d.parentPath, d.name))
    .concat(files)) {
    for (const tempName of names) {
      const target = path.join(dir, /^\.(.+?)\.inprogress\./.exec(tempName)![1]!);
      if (!fs.existsSync(target)) continue;
      const temp = path.join(dir, tempName);
      fs.renameSync(target, temp);
      moved.push({ temp, target });
    }
  }
  return moved;
}
