/**
 * `-sae` (execution.shutdown-on-attached-exit) against a standalone session cluster of real
 * processes: an attached client terminated with SIGTERM cancels its job before it exits; a client
 * killed outright (SIGKILL) stops its heartbeats, and the JobManager cancels the job once
 * `client.heartbeat.timeout` passed. Without -sae, a killed client leaves its job running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { CLI, REPO_ROOT } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const JOB = path.join(REPO_ROOT, 'integration', 'test', 'jobs', 'slow-generator-job.ts');

interface Attached {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('shutdown on attached exit (-sae)', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;

  before(async () => {
    cluster = await startSessionCluster('sae', { taskManagers: 1, slotsPerTaskManager: 3 });
  });

  after(async () => {
    await cluster?.stop();
  });

  /** An attached `run` in the background, with its JobID once it was submitted. */
  async function runAttached(extra: string[]): Promise<Attached & { jobId: string }> {
    const child = spawn(process.execPath, [CLI, 'run', '-m', cluster.rest, '--no-typecheck', ...extra, JOB], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (text += b.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const jobId = await until('the JobID line', async () => /Job has been submitted with JobID ([0-9a-f]{32})/.exec(text)?.[1], 60_000);
    await until('the job RUNNING', async () => ((await jobStatus(jobId)) === 'RUNNING' ? true : undefined), 60_000);
    return { child, output: () => text, exited, jobId };
  }

  async function jobStatus(jobId: string): Promise<string> {
    return (await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status;
  }

  async function cancelIfRunning(jobId: string): Promise<void> {
    if ((await jobStatus(jobId)) === 'RUNNING') await fetch(`http://${cluster.rest}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
  }

  it('cancels the job when the attached client is terminated with SIGTERM', async () => {
    const run = await runAttached(['-sae']);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output()).to.equal(143);
    expect(run.output(), run.output()).to.include(`cancelling job ${run.jobId} (execution.shutdown-on-attached-exit)`);
    await until('the job CANCELED', async () => ((await jobStatus(run.jobId)) === 'CANCELED' ? true : undefined), 30_000);
  });

  it('cancels the job after the client heartbeat timeout when the client is killed outright', async () => {
    const run = await runAttached(['-sae', '-Dclient.heartbeat.interval=300ms', '-Dclient.heartbeat.timeout=3s']);
    run.child.kill('SIGKILL');
    await run.exited;
    await until('the job CANCELED', async () => ((await jobStatus(run.jobId)) === 'CANCELED' ? true : undefined), 60_000);
  });

  it('leaves the job running without -sae', async () => {
    const run = await runAttached(['-Dclient.heartbeat.timeout=1s']);
    run.child.kill('SIGKILL');
    await run.exited;
    try {
      // A client heartbeat timeout that would have passed several times over, measured by the job's own progress.
      const details = async () => (await cluster.get<{ duration: number }>(`/jobs/${run.jobId}`)).duration;
      const start = await details();
      await until('the job to run 3 s more', async () => ((await details()) > start + 3000 ? true : undefined), 30_000);
      expect(await jobStatus(run.jobId)).to.equal('RUNNING');
    } finally {
      await cancelIfRunning(run.jobId);
    }
  });
});
