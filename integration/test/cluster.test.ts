import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { alive, expectNoProcessesOf, processesWith, restGet, until } from './process-harness.js';
import { loopbackEndpoints, startSessionCluster, type SessionCluster } from './session-cluster.js';

describe('standalone session cluster (JobManager and two TaskManager processes)', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;
  let dir: string;
  let rest: string;
  let dynamic: string[];

  const get = <T>(p: string): Promise<T> => cluster.get<T>(p);

  function pids(): number[] {
    return fs
      .readdirSync(path.join(dir, 'log'))
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(fs.readFileSync(path.join(dir, 'log', f), 'utf8')));
  }

  before(async () => {
    cluster = await startSessionCluster('cluster', {
      taskManagers: 2,
      slotsPerTaskManager: 2,
      dynamic: ['-Dheartbeat.interval=500 ms', '-Dheartbeat.timeout=4 s'],
    });
    ({ dir, rest, dynamic } = cluster);
  });

  after(async () => {
    if (cluster === undefined) return;
    const before = pids();
    await cluster.stop();
    for (const pid of before) expect(alive(pid), `process ${pid} still running`).to.equal(false);
  });

  it('runs a keyed job at parallelism 4 across both TaskManagers with the right sums', async () => {
    const out = path.join(dir, 'sums');
    const n = 200_000;
    const args = [
      'run',
      '--no-typecheck',
      '-m',
      rest,
      '-p',
      '4',
      '-Dexecution.runtime-mode=BATCH',
      'integration/fixtures/cluster-keyed.ts',
      '--n',
      String(n),
      '--output',
      out,
    ];
    const r = await runCli(args, 90_000);
    const [jobId] = expectJobsFinished(args, r);
    const expected = new Map<number, number>();
    for (let i = 1; i <= n; i++) expected.set(i % 97, (expected.get(i % 97) ?? 0) + i);
    const got = new Map(readPartFiles(out).lines.map((l) => l.split(' ').map(Number) as [number, number]));
    expect(got).to.deep.equal(expected);
    const job = await get<{ vertices: Array<{ parallelism: number; metrics: Record<string, number> }> }>(`/jobs/${jobId}`);
    expect(job.vertices.every((v) => v.parallelism === 4)).to.equal(true);
    const taskManagers = await get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers');
    expect(taskManagers.taskmanagers).to.have.length(2);
    const list = await runCli(['list', '-a', '-m', rest]);
    expect(list.code).to.equal(0);
    expect(list.stdout).to.match(new RegExp(`: ${jobId} : Keyed sums \\(FINISHED\\)`));
  });

  it('rejects malformed submissions, unknown jobs and a cancel of a finished job without harm to the JobManager', async () => {
    const post = async (p: string, body: string, type: string) =>
      fetch(`http://${rest}${p}`, { method: 'POST', body, headers: { 'content-type': type } });
    const garbage = await post('/jobs', '--x\r\nnot a form', 'multipart/form-data; boundary=x');
    expect(garbage.status).to.equal(400);
    expect(((await garbage.json()) as { errors: string[] }).errors[0]).to.match(/Bad request/);
    const notMultipart = await post('/jobs', '{"jobGraph":1}', 'application/json');
    expect(notMultipart.status).to.equal(400);
    const form = (graph: string) => {
      const b = 'spindleboundary';
      const part = (name: string, content: string) =>
        `--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`;
      const request = `--${b}\r\nContent-Disposition: form-data; name="request"\r\n\r\n{"jobGraphFileName":"g.json","jobJarFileNames":["job.mjs"]}\r\n`;
      return {
        body: request + part('g.json', graph) + part('job.mjs', 'export {}') + `--${b}--\r\n`,
        type: `multipart/form-data; boundary=${b}`,
      };
    };
    const badGraph = form('{"jobId":"nope"}');
    const rejected = await post('/jobs', badGraph.body, badGraph.type);
    expect(rejected.status).to.equal(400);
    expect(JSON.stringify(await rejected.json())).to.match(/malformed|not a valid job id/);
    const unknown = await fetch(`http://${rest}/jobs/0123456789abcdef0123456789abcdef`);
    expect(unknown.status).to.equal(404);
    const badId = await fetch(`http://${rest}/jobs/xyz/status`);
    expect(badId.status).to.equal(400);
    const out = path.join(dir, 'small');
    const args = ['run', '--no-typecheck', '-m', rest, '-p', '2', 'integration/fixtures/cluster-keyed.ts', '--n', '1000', '--output', out];
    const [jobId] = expectJobsFinished(args, await runCli(args, 60_000));
    const cancel = await runCli(['cancel', '-m', rest, jobId!]);
    expect(cancel.code).to.equal(1);
    expect(cancel.stderr).to.match(/FINISHED/);
    expect((await get<{ taskmanagers: number }>('/overview')).taskmanagers).to.equal(2);
    const failing = await runCli(['run', '--no-typecheck', '-m', rest, 'integration/fixtures/cli-exploder.ts'], 60_000);
    expect(failing.code, describeRun(['run', 'cli-exploder.ts'], failing)).to.equal(1);
    expect(failing.stderr).to.include('Exploder (1/1) failed: Error: boom');
    expect(failing.stderr).to.match(/^ {4}at integration\/fixtures\/cli-exploder\.ts:8:\d+$/m);
  });

  it('refuses a TaskManager of another cluster, which keeps retrying without disturbing this one', async () => {
    const rpcPort = dynamic.find((d) => d.startsWith('-Djobmanager.rpc.port='))!;
    const logFile = path.join(dir, 'log', 'foreign-taskmanager.log');
    const out = fs.openSync(logFile, 'w');
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      [
        'packages/cli/bin/spindle.js',
        'taskmanager',
        rpcPort,
        '-Dhigh-availability.cluster-id=another-cluster',
        `-Denv.log.dir=${path.join(dir, 'log')}`,
        `-Dblob.storage.directory=${path.join(dir, 'blobs')}`,
      ],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    try {
      await until(
        'the refusal in the log',
        async () => (fs.readFileSync(logFile, 'utf8').includes("rejected a call from cluster 'another-cluster'") ? true : undefined),
        20_000,
      );
      expect((await get<{ taskmanagers: number }>('/overview')).taskmanagers).to.equal(2);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cancels a running job, and rejects unknown ids', async () => {
    const args = ['run', '--no-typecheck', '-m', rest, '-d', '-p', '2', 'integration/fixtures/cluster-endless.ts'];
    const r = await runCli(args);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    await until(
      'the job to run',
      async () => ((await get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'RUNNING' ? true : undefined),
      30_000,
    );
    const cancel = await runCli(['cancel', '-m', rest, jobId]);
    expect(cancel.code, describeRun(['cancel'], cancel)).to.equal(0);
    expect(cancel.stdout).to.include(`Cancelling job ${jobId}.`);
    expect(cancel.stdout).to.include(`Cancelled job ${jobId}.`);
    await until(
      'CANCELED',
      async () => ((await get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined),
      30_000,
    );
    const unknown = await runCli(['cancel', '-m', rest, '0123456789abcdef0123456789abcdef']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/not found/i);
    await until(
      'free slots',
      async () => ((await get<{ 'slots-available': number }>('/overview'))['slots-available'] === 4 ? true : undefined),
      30_000,
    );
  });

  it('fails a job within the heartbeat timeout when a TaskManager is killed, naming the cause', async () => {
    const args = ['run', '--no-typecheck', '-m', rest, '-d', '-p', '4', 'integration/fixtures/cluster-endless.ts'];
    const r = await runCli(args);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    await until(
      'the job to run',
      async () => ((await get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'RUNNING' ? true : undefined),
      30_000,
    );
    const victim = Number(fs.readFileSync(path.join(dir, 'log', 'spindle-taskmanager-1.pid'), 'utf8'));
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    await until(
      'FAILED',
      async () => ((await get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'FAILED' ? true : undefined),
      20_000,
    );
    expect(Date.now() - killedAt).to.be.lessThan(15_000);
    const exceptions = await get<{ exceptionHistory: { entries: Array<{ exceptionName: string; stacktrace: string }> } }>(
      `/jobs/${jobId}/exceptions`,
    );
    const text = JSON.stringify(exceptions);
    expect(text).to.match(/TaskManager .* is lost|connection to shuffle server .* lost/);
    expect(alive(victim)).to.equal(false);
  });

  it('TaskManagers that lose the JobManager register again with a new one', async () => {
    const jmPidFile = path.join(dir, 'log', 'spindle-jobmanager-0.pid');
    process.kill(Number(fs.readFileSync(jmPidFile, 'utf8')), 'SIGKILL');
    const logFile = path.join(dir, 'log', 'spindle-jobmanager-0.log');
    const out = fs.openSync(logFile, 'a');
    const { spawn } = await import('node:child_process');
    const jm = spawn(process.execPath, ['packages/cli/bin/spindle.js', 'jobmanager', ...dynamic], {
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    jm.unref();
    fs.writeFileSync(jmPidFile, String(jm.pid));
    const tm0 = path.join(dir, 'log', 'spindle-taskmanager-0.log');
    await until(
      'the surviving TaskManager to register with the new JobManager',
      async () => ((await get<{ taskmanagers: number }>('/overview')).taskmanagers === 1 ? true : undefined),
      30_000,
    );
    // The TaskManager logs its registration once the call returns, which may be after REST shows it.
    await until(
      'the TaskManager to log its second registration',
      async () =>
        /registered at the ResourceManager[\s\S]*registered at the ResourceManager/.test(fs.readFileSync(tm0, 'utf8')) ? true : undefined,
      30_000,
    );
  });
});

describe('a session cluster that starts TaskManager processes on demand (local-process driver)', function () {
  this.timeout(120_000);
  let dir: string;
  let rest: string;
  let dynamic: string[];

  const get = <T>(p: string): Promise<T> => restGet<T>(rest, p);

  before(async () => {
    dir = tempDir('active');
    const endpoints = await loopbackEndpoints();
    rest = endpoints.rest;
    dynamic = [
      ...endpoints.dynamic,
      '-Dresourcemanager.driver=local-process',
      '-Dtaskmanager.numberOfTaskSlots=2',
      '-Dresourcemanager.taskmanager-timeout=2 s',
      // Longer than any test here waits: a lost TaskManager must be known from its process's end.
      '-Dheartbeat.timeout=10 min',
      `-Denv.log.dir=${path.join(dir, 'log')}`,
      `-Dblob.storage.directory=${path.join(dir, 'blobs')}`,
    ];
    const start = await runCli(['cluster', 'start', ...dynamic]);
    expect(start.code, describeRun(['cluster', 'start'], start)).to.equal(0);
    await until('the REST API', () => get<{ taskmanagers: number }>('/overview'), 30_000);
  });

  after(async () => {
    if (dir === undefined) return;
    const stop = await runCli(['cluster', 'stop', ...dynamic]);
    expect(stop.code).to.equal(0);
    await expectNoProcessesOf(dir);
    removeDir(dir);
  });

  it('starts TaskManagers for a job and stops them once idle', async () => {
    expect((await get<{ taskmanagers: number }>('/overview')).taskmanagers).to.equal(0);
    const out = path.join(dir, 'sums');
    const args = ['run', '--no-typecheck', '-m', rest, '-p', '3', 'integration/fixtures/cluster-keyed.ts', '--n', '5000', '--output', out];
    expectJobsFinished(args, await runCli(args, 60_000));
    const got = readPartFiles(out).lines.length;
    expect(got).to.be.greaterThan(0);
    const overview = await get<{ taskmanagers: number; 'slots-total': number }>('/overview');
    expect(overview.taskmanagers).to.equal(2);
    await until(
      'idle TaskManagers to be released',
      async () => ((await get<{ taskmanagers: number }>('/overview')).taskmanagers === 0 ? true : undefined),
      30_000,
    );
  });

  it('fails a job over as soon as the process of one of its TaskManagers ends, without waiting for heartbeats', async () => {
    const args = ['run', '--no-typecheck', '-m', rest, '-d', '-p', '2', 'integration/fixtures/cluster-endless.ts'];
    const r = await runCli(args, 60_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    await until(
      'every task of the job to run',
      async () => {
        const job = await get<{ vertices: Array<{ status: string }> }>(`/jobs/${jobId}`);
        return job.vertices.every((v) => v.status === 'RUNNING') ? true : undefined;
      },
      60_000,
    );
    const [victim] = processesWith(dir).filter((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('taskmanager.resource-id='),
    );
    expect(victim, 'a TaskManager process started by the driver').to.be.a('number');
    process.kill(victim!, 'SIGKILL');
    // heartbeat.timeout is 10 minutes: the job fails within this wait only if the ResourceManager
    // told its JobMaster that the process ended.
    await until(
      'the job to fail',
      async () => ((await get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'FAILED' ? true : undefined),
      60_000,
    );
    const exceptions = JSON.stringify(await get<unknown>(`/jobs/${jobId}/exceptions`));
    expect(exceptions).to.match(/TaskManager localhost-[0-9a-f]+ is lost: its process ended \(killed: killed by SIGKILL\)/);
  });
});
