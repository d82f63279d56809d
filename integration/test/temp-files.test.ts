import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI, REPO_ROOT, describeRun, expectCleanFailure, removeDir, runCli, tempDir } from './cli-harness.js';
import { alive, expectNoProcessesOf, freePort, killProcessesOf, restGet, until } from './process-harness.js';

/** Entries a run left in its private temp directory (TMPDIR). */
function leftovers(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((f) => f.startsWith('spindle'));
}

describe('temporary files of spindle run', function () {
  this.timeout(120_000);
  let tmp: string;

  beforeEach(() => {
    tmp = tempDir('tmpfiles');
  });

  afterEach(() => {
    killProcessesOf(tmp);
    removeDir(tmp);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`removes the job's bundle directory when ${signal} interrupts a run of an endless job`, async () => {
      // The private TMPDIR is also on the command line, so that afterEach can find the process.
      const args = [
        CLI,
        'run',
        '--no-typecheck',
        '-Dexecution.runtime-mode=STREAMING',
        'integration/fixtures/cluster-endless.ts',
        '--tmp',
        tmp,
      ];
      const child = spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      await until('the job to be submitted', async () => (/Job has been submitted with JobID/.test(stdout) ? true : undefined), 60_000);
      expect(
        fs.readdirSync(tmp).some((f) => f.startsWith('spindle-job-')),
        'the bundle directory while the job runs',
      ).to.equal(true);
      child.kill(signal);
      const exitCode = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (exitCode === 'hung') child.kill('SIGKILL');
      expect(exitCode, `exit after ${signal}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`).to.equal(code);
      expect(leftovers(tmp)).to.deep.equal([]);
    });
  }

  it('leaves nothing behind when the job fails or does not compile', async () => {
    const env = { TMPDIR: tmp };
    const failing = ['run', '--no-typecheck', 'integration/fixtures/cli-exploder.ts'];
    expectCleanFailure(failing, await runCli(failing, 60_000, env), 'boom');
    expect(leftovers(tmp)).to.deep.equal([]);
    const broken = ['run', '--no-typecheck', 'integration/fixtures/cli-syntax-error.ts'];
    expectCleanFailure(broken, await runCli(broken, 60_000, env), 'cannot be bundled');
    expect(leftovers(tmp)).to.deep.equal([]);
  });
});

/** A JobManager process of its own, with a private TMPDIR and default directories. */
async function startJobManager(tmp: string, log: string): Promise<{ rest: string; pid: number; stop(): Promise<void> }> {
  const restPort = await freePort();
  const args = [
    CLI,
    'jobmanager',
    `-Drest.port=${restPort}`,
    '-Drest.address=127.0.0.1',
    `-Djobmanager.rpc.port=${await freePort()}`,
    `-Denv.log.dir=${path.join(tmp, 'log')}`,
  ];
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const rest = `127.0.0.1:${restPort}`;
  await until(`the JobManager at ${rest}`, () => restGet(rest, '/overview'), 30_000);
  return {
    rest,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('directories of a session cluster', function () {
  this.timeout(120_000);
  let tmp: string;

  beforeEach(() => {
    tmp = tempDir('clusterdirs');
  });

  afterEach(async () => {
    killProcessesOf(tmp);
    await expectNoProcessesOf(tmp);
    removeDir(tmp);
  });

  it("keeps each JobManager's uploads and blobs to itself and removes them when it stops", async () => {
    const a = await startJobManager(tmp, path.join(tmp, 'a.log'));
    const b = await startJobManager(tmp, path.join(tmp, 'b.log'));
    const form = new FormData();
    form.append('jarfile', new Blob(['export async function main() {}\n'], { type: 'application/x-java-archive' }), 'job.mjs');
    const upload = await fetch(`http://${a.rest}/jars/upload`, { method: 'POST', body: form });
    expect(upload.status).to.equal(200);
    const stored = ((await upload.json()) as { filename: string }).filename;
    expect(fs.existsSync(stored), `uploaded file ${stored}`).to.equal(true);
    expect((await restGet<{ files: unknown[] }>(a.rest, '/jars')).files).to.have.length(1);
    expect((await restGet<{ files: unknown[] }>(b.rest, '/jars')).files, "the other cluster's /jars").to.deep.equal([]);
    const before = leftovers(tmp);
    expect(before.length, `directories of two JobManagers: ${before.join(', ')}`).to.equal(2);
    await a.stop();
    expect(alive(a.pid)).to.equal(false);
    expect(fs.existsSync(stored), 'the upload after its JobManager stopped').to.equal(false);
    expect(leftovers(tmp), 'what remains of the stopped JobManager').to.have.length(1);
    expect((await restGet<{ files: unknown[] }>(b.rest, '/jars')).files).to.deep.equal([]);
    await b.stop();
    expect(
      leftovers(tmp),
      describeRun(['jobmanager'], {
        code: 0,
        stdout: '',
        stderr: fs.readFileSync(path.join(tmp, 'b.log'), 'utf8'),
        timedOut: false,
        ms: 0,
      }),
    ).to.deep.equal([]);
  });
});
