import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { CLI, REPO_ROOT, describeRun, expectCleanFailure, removeDir, runCli, tempDir, type CliResult } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const KEYED = 'integration/fixtures/cluster-keyed.ts';
const THREE_GROUPS = 'integration/fixtures/cluster-three-groups.ts';

/** How many lines of `text` are exactly `line`. */
function countLines(text: string, line: string): number {
  return text.split('\n').filter((l) => l === line).length;
}

/** A CLI run whose output can be read while it runs; killed after `timeoutMs`. */
function startCli(args: string[], timeoutMs: number): { stderr: () => string; kill: () => void; ended: Promise<CliResult> } {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const ended = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
      resolve({ code, stdout: text(out), stderr: text(err), timedOut, ms: Date.now() - started });
    });
  });
  return { stderr: () => Buffer.concat(err).toString('utf8'), kill: () => child.kill('SIGKILL'), ended };
}

describe('a job that needs more slots than the embedded cluster has', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => (dir = tempDir('slot-wait-local')));
  after(() => removeDir(dir));

  it('the local CLI says once that the job waits for slots, then fails with NoResourceAvailableException', async () => {
    const args = [
      'run',
      '--no-typecheck',
      '-p',
      '2',
      '-Dminicluster.number-of-taskmanagers=1',
      '-Dtaskmanager.numberOfTaskSlots=1',
      '-Dslot.request.timeout=3 s',
      KEYED,
      '--n',
      '10',
      '--output',
      path.join(dir, 'out'),
    ];
    const r = await runCli(args, 60_000);
    expectCleanFailure(args, r, 'Could not acquire the minimum required resources', 'slot.request.timeout');
    expect(countLines(r.stderr, 'waiting for 2 slots; the cluster has 1 free'), describeRun(args, r)).to.equal(1);
  });
});

describe('a job that needs more slots than a session cluster has (one TaskManager with two slots)', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;
  let dir: string;
  let rest: string;

  const get = <T>(p: string): Promise<T> => cluster.get<T>(p);
  const freeSlots = async () => (await get<{ 'slots-available': number }>('/overview'))['slots-available'];
  /** Cancels whatever a failed test left running, so that the next test finds the slots free. */
  const cancelRunningJobs = async () => {
    const { jobs } = await get<{ jobs: Array<{ id: string; status: string }> }>('/jobs');
    for (const j of jobs.filter((job) => job.status === 'RUNNING'))
      await fetch(`http://${rest}/jobs/${j.id}?mode=cancel`, { method: 'PATCH' });
  };

  before(async () => {
    cluster = await startSessionCluster('slot-wait', { taskManagers: 1, slotsPerTaskManager: 2 });
    ({ dir, rest } = cluster);
    await until('two free slots', async () => ((await freeSlots()) === 2 ? true : undefined), 30_000);
  });

  after(async () => {
    if (cluster !== undefined) await cluster.stop();
  });

  it('the attached remote CLI says once that a streaming job waits for slots, then fails with NoResourceAvailableException', async () => {
    const args = [
      'run',
      '--no-typecheck',
      '-m',
      rest,
      '-p',
      '3',
      '-Dslot.request.timeout=4 s',
      KEYED,
      '--n',
      '10',
      '--output',
      path.join(dir, 'a'),
    ];
    const r = await runCli(args, 60_000);
    expectCleanFailure(args, r, 'Could not acquire the minimum required resources', 'slot.request.timeout');
    expect(countLines(r.stderr, 'waiting for 3 slots; the cluster has 2 free'), describeRun(args, r)).to.equal(1);
    await until('the slots to be free again', async () => ((await freeSlots()) === 2 ? true : undefined), 30_000);
  });

  it('a BATCH job whose region needs more slots than the cluster has is RUNNING with SCHEDULED tasks, the attached CLI says so once, and spindle cancel ends it', async () => {
    const args = [
      'run',
      '--no-typecheck',
      '-m',
      rest,
      '-p',
      '1',
      '-Dexecution.runtime-mode=BATCH',
      THREE_GROUPS,
      '--n',
      '10',
      '--output',
      path.join(dir, 'b'),
    ];
    const run = startCli(args, 90_000);
    try {
      const line = 'waiting for 3 slots; the cluster has 2 free';
      await until('the slot wait on stderr', async () => (run.stderr().includes(line) ? true : undefined), 20_000);
      const { jobs } = await get<{ jobs: Array<{ id: string; status: string }> }>('/jobs');
      const running = jobs.filter((j) => j.status === 'RUNNING');
      expect(running, JSON.stringify(jobs)).to.have.length(1);
      const jobId = running[0]!.id;
      const details = await get<{ state: string; vertices: Array<{ status: string; parallelism: number; tasks: Record<string, number> }> }>(
        `/jobs/${jobId}`,
      );
      expect(details.state).to.equal('RUNNING');
      expect(details.vertices.length).to.be.greaterThan(0);
      for (const v of details.vertices) {
        expect(v.status).to.equal('SCHEDULED');
        expect(v.tasks.SCHEDULED, JSON.stringify(v)).to.equal(v.parallelism);
      }
      expect(await freeSlots()).to.equal(0);
      const listed = await runCli(['list', '-m', rest]);
      expect(listed.stdout).to.match(new RegExp(`: ${jobId} : Three groups \\(RUNNING\\)`));

      const cancel = await runCli(['cancel', '-m', rest, jobId]);
      expect(cancel.code, describeRun(['cancel'], cancel)).to.equal(0);
      const r = await run.ended;
      expect(r.timedOut, describeRun(args, r)).to.equal(false);
      expectCleanFailure(args, r, `Job ${jobId} ended CANCELED.`);
      expect(countLines(r.stderr, line), describeRun(args, r)).to.equal(1);
      expect((await get<{ status: string }>(`/jobs/${jobId}/status`)).status).to.equal('CANCELED');
      await until('the job to give its slots back', async () => ((await freeSlots()) === 2 ? true : undefined), 30_000);
      const after = await runCli(['list', '-m', rest]);
      expect(after.stdout, after.stdout).to.include('No running jobs.');
      expect(after.stdout).to.not.include(jobId);
    } finally {
      run.kill();
      await run.ended;
      await cancelRunningJobs();
    }
  });

  it('a job whose records have an invalid Avro schema fails with a clear message every time (4 runs, each bounded)', async () => {
    for (let i = 0; i < 4; i++) {
      const args = ['run', '--no-typecheck', '-m', rest, '-p', '2', 'integration/fixtures/cli-recrod.ts'];
      const r = await runCli(args, 60_000);
      expect(r.timedOut, `run ${i}: ${describeRun(args, r)}`).to.equal(false);
      expectCleanFailure(args, r, /recrod/, /Job [0-9a-f]{32} failed/);
      await until('the slots to be free again', async () => ((await freeSlots()) === 2 ? true : undefined), 30_000);
    }
  });
});
