/**
 * YARN resilience on the real Hadoop of the harness, through the CLI:
 * - a TaskManager container's process killed with SIGKILL mid-job in a session: YARN reports the
 *   container completed with exit status 137, the driver reports the worker terminated, a new
 *   container is allocated (seen in the RM's REST API) and started, and the checkpointed job
 *   recovers with its committed output exactly once;
 * - the session outlives AMRM master-key rolls (the shared Hadoop rolls every 121 s, see
 *   hadoop-shared.ts): the driver adopts one token per roll (the RM sends the next key's token
 *   with every allocate made over a connection authenticated with an older key, so one adoption
 *   per key means the AppMaster reconnected with it), and after the old key's activation window
 *   the AppMaster still heartbeats and a job still gets new containers and finishes with correct
 *   output;
 * - the AppMaster process killed with SIGKILL in application mode with `yarn.application-attempts:
 *   3` (one spare): YARN starts the next attempt, which serves REST through /proxy/<appId>/ and at its new
 *   address, runs the job again, and the application ends FINISHED/SUCCEEDED with correct output.
 * Nothing is left: applications finished, staging directories gone, no container process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { childPath } from '@spindle/core';
import { readText } from '@spindle/core/testing';
import { HadoopConfiguration, type HdfsFileSystem } from '@spindle/hdfs';
import { RmRestClient } from '@spindle/yarn';
import type { HadoopCluster } from '../hadoop/harness.js';
import { REPO_ROOT, describeRun, pipeStop, removeDir, runCli, tempDir } from './cli-harness.js';
import { clusterFileSystem, killTaggedApplications, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';
import { committedLines, expectedLines } from './jobs/checkpoint-verification-job.js';
import { expectedCounts } from './jobs/slow-count-job.js';

const JOBS = path.join(REPO_ROOT, 'integration', 'test', 'jobs');
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);
const ROLLING_KEY = 'yarn.resourcemanager.am-rm-tokens.master-key-rolling-interval-secs';
const EXPIRY_KEY = 'yarn.am.liveness-monitor.expiry-interval-ms';

interface LogEntry {
  ts: string;
  msg: string;
  [field: string]: unknown;
}

interface RmAttempt {
  id: number;
  containerId: string;
}

interface RmContainer {
  containerId: string;
}

describe('YARN resilience on a real Hadoop: lost TaskManager container, AMRM token rolls, lost AppMaster', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let rm: RmRestClient;
  let work: string;
  let env: Record<string, string>;
  let props: string[];
  let tag: string;
  let hdfs: HdfsFileSystem;
  let hdfsDir: string;
  let sessionId: string | undefined;
  /** When the session's AppMaster registered, and the RM's AMRM key timing. */
  let rollingMs = 0;
  let activationMs = 0;

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    rm = new RmRestClient({ url: cluster.rmUrl });
    work = tempDir('yarn-resilience');
    env = { HADOOP_CONF_DIR: cluster.confDir, XDG_CACHE_HOME: path.join(work, 'cache') };
    tag = `spindle-it-ha-${path.basename(work)}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
    props = ['-D', `yarn.properties-file.location=${work}`];
    hdfs = clusterFileSystem(cluster);
    hdfsDir = uniqueHdfsDir('yarn-resilience');
    const site = HadoopConfiguration.fromDirectory(cluster.confDir, 'the harness', process.env, ['core-site.xml', 'yarn-site.xml']);
    rollingMs = Number(site.get(ROLLING_KEY) ?? NaN) * 1000;
    activationMs = Number(site.get(EXPIRY_KEY) ?? NaN) * 1.5;
    expect(rollingMs, `${ROLLING_KEY} of the shared Hadoop (restart it: it runs without the test settings)`).to.be.within(1, 180_000);
  });

  after(async function () {
    await killTaggedApplications(rm, tag);
    removeDir(work);
    if (hdfs !== undefined) await hdfs.delete(hdfsDir, { recursive: true }).catch(() => undefined);
  });

  async function rmGet<T>(p: string): Promise<T> {
    const response = await fetch(`${cluster.rmUrl}${p}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${p}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The JobManager's REST API through the RM's proxy. */
  function proxyGet<T>(appId: string, p: string): Promise<T> {
    return rmGet<T>(`/proxy/${appId}${p}`);
  }

  async function attempts(appId: string): Promise<RmAttempt[]> {
    const r = await rmGet<{ appAttempts: { appAttempt: unknown } }>(`/ws/v1/cluster/apps/${appId}/appattempts`);
    return asArray<RmAttempt>(r.appAttempts.appAttempt);
  }

  /** The containers the RM reports for an attempt (its running containers). */
  async function rmContainers(appId: string, attemptId: string): Promise<string[]> {
    const r = await rmGet<{ container?: unknown; containers?: { container?: unknown } }>(
      `/ws/v1/cluster/apps/${appId}/appattempts/${attemptId}/containers`,
    );
    return asArray<RmContainer>(r.containers?.container ?? r.container).map((c) => c.containerId);
  }

  /** The JobManager's log entries, read through the NodeManager's REST API. */
  async function jobManagerLog(amContainer: string): Promise<LogEntry[]> {
    const log = await fetch(`http://${cluster.nodeManager.http}/ws/v1/node/containerlogs/${amContainer}/jobmanager.err`);
    expect(log.status).to.equal(200);
    return (await log.text())
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogEntry);
  }

  function attemptIdOf(appId: string, attempt: number): string {
    return `appattempt_${appId.slice('application_'.length)}_${String(attempt).padStart(6, '0')}`;
  }

  it('a TaskManager container killed mid-job: YARN reports it, a new container runs, the job recovers exactly once', async () => {
    const start = ['yarn-session', '-d', '-s', '2', '-jm', '768m', '-tm', '768m', '-nm', 'spindle-it-resilience', ...props];
    start.push('-D', `yarn.tags=${tag}`, '-D', 'resourcemanager.taskmanager-timeout=5s');
    start.push('-D', 'heartbeat.interval=1 s', '-D', 'heartbeat.timeout=10 s');
    const s = await runCli(start, 180_000, env);
    expect(s.code, describeRun(start, s)).to.equal(0);
    sessionId = /^Submitted application (application_\d+_\d+)$/m.exec(s.stdout)?.[1];
    expect(sessionId, describeRun(start, s)).to.be.a('string');
    const appId = sessionId!;
    const attemptId = attemptIdOf(appId, 1);
    const amContainer = (await attempts(appId))[0]!.containerId;

    const output = path.join(work, 'tm-kill-out');
    const n = 16_000;
    const run = ['run', '-t', 'yarn-session', ...props, '-d', '--no-typecheck'];
    run.push('-Dexecution.checkpointing.interval=500 ms', `-Dexecution.checkpointing.dir=${hdfsDir}/checkpoints`);
    run.push(
      '-Drestart-strategy.type=fixed-delay',
      '-Drestart-strategy.fixed-delay.attempts=10',
      '-Drestart-strategy.fixed-delay.delay=1 s',
    );
    run.push(path.join(JOBS, 'checkpoint-verification-job.ts'), '--n', String(n), '--rate', '500', '--output', output);
    const r = await runCli(run, 180_000, env);
    expect(r.code, describeRun(run, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    expect(jobId, describeRun(run, r)).to.be.a('string');
    const status = async (): Promise<string> => (await proxyGet<{ status: string }>(appId, `/jobs/${jobId}/status`)).status;

    // The job runs on one TaskManager container (2 slots, parallelism 2) and committed a checkpoint.
    await waitFor('a committed checkpoint', async () => (await status()) === 'RUNNING' && committedLines(output).length > 0, 120_000);
    const { taskmanagers } = await proxyGet<{ taskmanagers: Array<{ id: string }> }>(appId, '/taskmanagers');
    expect(taskmanagers.map((tm) => tm.id)).to.have.length(1);
    const victim = taskmanagers[0]!.id;
    const before = await rmContainers(appId, attemptId);
    expect(before, 'the RM sees the AppMaster and the TaskManager').to.include.members([amContainer, victim]);
    const pids = await containerProcesses(victim);
    expect(pids, `the processes of ${victim}`).to.not.deep.equal([]);
    for (const pid of pids) process.kill(pid, 'SIGKILL');

    // YARN reports the container completed with the signal's exit status; the driver reports the loss.
    const completed = await waitFor(
      'the driver to report the container completed',
      async () =>
        (await jobManagerLog(amContainer)).find((e) => e.msg === 'a TaskManager container completed' && e['containerId'] === victim),
      60_000,
    );
    expect(completed['exitCode'], JSON.stringify(completed)).to.equal(137);
    // A new container: allocated by the RM (its REST API lists it for the attempt) and running the
    // TaskManager. The RM may also hand out a container the driver no longer needs, which it
    // releases at once: the replacement is the new one the AppMaster started.
    await waitFor(
      'a new TaskManager container, listed by the RM and started by the AppMaster',
      async () => {
        const started = new Set(
          (await jobManagerLog(amContainer)).filter((e) => e.msg === 'started a TaskManager container').map((e) => e['containerId']),
        );
        return (await rmContainers(appId, attemptId)).find((c) => !before.includes(c) && started.has(c));
      },
      60_000,
    );
    await waitFor('the job to finish', async () => (await status()) === 'FINISHED', 180_000).catch(async (e: unknown) => {
      const tail = (await jobManagerLog(amContainer).catch(() => [])).slice(-40).map((l) => JSON.stringify(l));
      throw new Error(`${String(e)}\nthe JobManager's last log entries:\n${tail.join('\n')}`);
    });
    // Recovered from a checkpoint: every index committed exactly once.
    const got = committedLines(output);
    const counts = new Map<string, number>();
    for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
    const expected = expectedLines(n);
    expect({
      lost: expected.filter((l) => !counts.has(l)).length,
      duplicated: [...counts.values()].filter((c) => c > 1).length,
    }).to.deep.equal({ lost: 0, duplicated: 0 });
    expect(got).to.deep.equal(expected);
    // The JobMaster learnt the loss from the ResourceManager, which YARN told (not from heartbeats).
    const exceptions = JSON.stringify(await proxyGet<unknown>(appId, `/jobs/${jobId}/exceptions`));
    expect(exceptions).to.include(`TaskManager ${victim} is lost: its process ended (exit code 137`);
    const [restarts] = await proxyGet<Array<{ value: string }>>(appId, `/jobs/${jobId}/metrics?get=numRestarts`);
    expect(Number(restarts!.value)).to.be.at.least(1);
    const [restored] = await proxyGet<Array<{ value: string }>>(appId, `/jobs/${jobId}/metrics?get=lastCheckpointRestoreTimestamp`);
    expect(Number(restored!.value), 'restored from a checkpoint').to.be.greaterThan(0);
  });

  it('the session outlives AMRM key rolls: one token adopted per roll, then containers and a correct job after the old key is gone', async function () {
    if (sessionId === undefined) this.skip();
    const appId = sessionId;
    const amContainer = (await attempts(appId))[0]!.containerId;
    const adoptions = async (): Promise<LogEntry[]> =>
      (await jobManagerLog(amContainer)).filter((e) => e.msg === 'adopted a new AMRM token');
    const first = await waitFor('a new AMRM token', async () => (await adoptions())[0], rollingMs + 30_000);
    // The old key stops being accepted `activationMs` after the roll; wait past it and a heartbeat.
    const retired = Date.parse(first.ts) + activationMs + 6_000;
    await new Promise((r) => setTimeout(r, Math.max(0, retired - Date.now())));
    const adopted = await adoptions();
    const keys = adopted.map((e) => e['keyId']);
    expect(new Set(keys).size, `one adoption per key: ${JSON.stringify(keys)}`).to.equal(keys.length);
    expect(keys.every((k) => Number.isInteger(k))).to.equal(true);
    // Still RUNNING after the old key's window and more than an AM expiry interval: the AppMaster heartbeats.
    expect((await rm.application(appId)).state).to.equal('RUNNING');
    // The idle TaskManager was released; a new job needs new containers, obtained with the new token.
    await waitFor('the idle containers released', async () => (await rmContainers(appId, attemptIdOf(appId, 1))).length === 1, 60_000);
    const output = `${hdfsDir}/after-roll`;
    const n = 3000;
    const run = ['run', '-t', 'yarn-session', ...props, '--no-typecheck', '-p', '2'];
    run.push(path.join(JOBS, 'slow-count-job.ts'), '--n', String(n), '--rate', '3000', '--keys', '7', '--output', output);
    const r = await runCli(run, 180_000, env);
    expect(r.code, describeRun(run, r)).to.equal(0);
    expect(await hdfsLines(hdfs, output)).to.deep.equal(expectedCounts(n, 7));
    expect((await proxyGet<{ taskmanagers: number }>(appId, '/overview')).taskmanagers).to.be.at.least(1);
  });

  it('the session stops with nothing left', async function () {
    if (sessionId === undefined) this.skip();
    const appId = sessionId;
    const stop = await pipeStop(appId, props, env);
    expect(stop.code, stop.output).to.equal(0);
    const app = await waitFor(
      'the session to end',
      async () => {
        const a = await rm.application(appId);
        return TERMINAL.has(a.state) ? a : undefined;
      },
      60_000,
    );
    expect([app.state, app.finalStatus]).to.deep.equal(['FINISHED', 'SUCCEEDED']);
    await expectNothingLeft(appId);
  });

  it('the AppMaster killed in application mode: a second attempt serves REST, runs the job again, SUCCEEDED with correct output', async () => {
    const output = `${hdfsDir}/am-kill`;
    const n = 12_000;
    const args = ['run-application', '-t', 'yarn-application', '--no-typecheck', '-p', '2', `-Dyarn.tags=${tag}`];
    args.push('-Dyarn.application-attempts=3', '-Djobmanager.memory.process.size=768m', '-Dtaskmanager.memory.process.size=768m');
    args.push(path.join(JOBS, 'slow-count-job.ts'), '--n', String(n), '--rate', '500', '--keys', '13', '--output', output);
    const r = await runCli(args, 240_000, env);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const appId = /^Submitted application (application_\d+_\d+)$/m.exec(r.stdout)?.[1];
    expect(appId, describeRun(args, r)).to.be.a('string');
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    expect(jobId, describeRun(args, r)).to.be.a('string');
    await waitFor(
      'the job RUNNING on a TaskManager',
      async () => {
        const jobs = await proxyGet<{ jobs: Array<{ id: string; status: string }> }>(appId!, '/jobs').catch(() => undefined);
        const overview = await proxyGet<{ taskmanagers: number }>(appId!, '/overview').catch(() => undefined);
        return jobs?.jobs.some((j) => j.status === 'RUNNING') === true && (overview?.taskmanagers ?? 0) > 0;
      },
      120_000,
    );
    const first = await rm.application(appId!);
    // The attempt serving now (the first one, unless YARN already replaced it: attempts allows one spare).
    const earlier = await attempts(appId!);
    const attempt1 = earlier[earlier.length - 1];
    const pids = await containerProcesses(attempt1!.containerId);
    expect(pids, `the AppMaster's processes (${attempt1!.containerId})`).to.not.deep.equal([]);
    for (const pid of pids) process.kill(pid, 'SIGKILL');

    const attempt2 = await waitFor('a next attempt', async () => (await attempts(appId!))[earlier.length], 120_000);
    expect(attempt2.containerId).to.not.equal(attempt1!.containerId);
    // The second attempt registered a new address; the proxy and the address itself serve its REST API.
    const second = await waitFor(
      'the second AppMaster registered',
      async () => {
        const a = await rm.application(appId!);
        return a.amRPCAddress !== undefined && a.amRPCAddress !== first.amRPCAddress && a.state === 'RUNNING' ? a : undefined;
      },
      120_000,
    );
    const direct = await waitFor(
      'REST at the new address',
      async () => {
        const response = await fetch(`http://${second.amRPCAddress}/overview`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        return response?.ok === true ? ((await response.json()) as Record<string, unknown>) : undefined;
      },
      60_000,
    );
    expect(direct).to.have.property('flink-version');
    const proxied = await waitFor(
      'REST through the proxy',
      async () => proxyGet<Record<string, unknown>>(appId!, '/overview').catch(() => undefined),
      60_000,
    );
    expect(proxied).to.have.property('flink-version');
    expect(second.trackingUrl).to.include(`/proxy/${appId}/`);
    // Containers are not kept across attempts: YARN stopped every process of the first attempt's.
    const firstAttempt = new RegExp(`^container_(e\\d+_)?${appId!.slice('application_'.length)}_01_\\d+$`);
    await waitFor('no process of the first attempt left', async () => (await containerProcesses(firstAttempt)).length === 0, 60_000);

    const app = await waitFor(
      'the application to end',
      async () => {
        const a = await rm.application(appId!);
        return TERMINAL.has(a.state) ? a : undefined;
      },
      180_000,
    );
    expect([app.state, app.finalStatus], app.diagnostics).to.deep.equal(['FINISHED', 'SUCCEEDED']);
    expect(await hdfsLines(hdfs, output)).to.deep.equal(expectedCounts(n, 13));
    await expectNothingLeft(appId!);
  });

  /** Staging directory gone and no process of the application's containers left. */
  async function expectNothingLeft(appId: string): Promise<void> {
    expect(await hdfs.status(`hdfs:///user/${cluster.user}/.spindle/${appId}`), 'the staging directory').to.equal(undefined);
    await waitFor('every container process of the application gone', async () => (await processesOf(appId)).length === 0, 60_000);
  }
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs / 1000} s); last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function asArray<T>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/** The Node.js processes running in a container (or in the containers whose ids match): their working directory is the container's. */
async function containerProcesses(containerId: string | RegExp): Promise<number[]> {
  const matches = (dir: string): boolean => (typeof containerId === 'string' ? dir === containerId : containerId.test(dir));
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
      const args = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (matches(path.basename(cwd)) && args.includes('spindle.js')) pids.push(Number(p));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** Command lines of live processes that belong to the application (AppMaster and TaskManagers). */
async function processesOf(appId: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((l) => l.includes(appId.slice('application_'.length)) && l.includes('spindle'));
}

/** Every line of the files of an HDFS output directory, sorted. */
async function hdfsLines(hdfs: HdfsFileSystem, dir: string): Promise<string[]> {
  const status = await hdfs.status(dir);
  const files = status?.isDirectory === true ? (await hdfs.list(dir)).map((s) => childPath(dir, s.name)) : [dir];
  let lines: string[] = [];
  for (const f of files.filter((x) => !path.basename(x).startsWith('.'))) {
    lines = lines.concat((await readText(hdfs, f)).split('\n').filter((l) => l !== ''));
  }
  return lines.sort();
}
