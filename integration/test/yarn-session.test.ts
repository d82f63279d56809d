/**
 * A detached yarn-session on the real Hadoop of the harness, end to end through the CLI: the
 * application RUNNING with its tags, a WordCount submitted through the properties file with
 * counts checked against coreutils, TaskManager containers obtained for the job's slots and given
 * back when idle (the RM's running-container count), the JobManager's REST API through the RM's
 * proxy, `echo stop | spindle yarn-session -id`, and nothing left afterwards. Bad input (unknown
 * queue, memory above the maximum allocation) fails before any application is submitted.
 *
 * The session's configuration is staged in HDFS (`/user/<user>/.spindle/<appId>/spindle-conf.yaml`,
 * directory 700) and localized by the NodeManager; the staging directory is gone after stop. The
 * WordCount reads and writes `hdfs:///` paths, written and read back through the FileSystem port.
 * The engine runs from the archive staged beside the configuration (yarn-application.test.ts checks
 * the containers' launch commands). A staging directory the user may not create is a clear error
 * and leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { childPath } from '@spindle/core';
import { readText, writeText } from '@spindle/core/testing';
import type { HdfsFileSystem } from '@spindle/hdfs';
import { RmRestClient } from '@spindle/yarn';
import type { HadoopCluster } from '../hadoop/harness.js';
import { REPO_ROOT, describeRun, expectCleanFailure, expectJobsFinished, pipeStop, removeDir, runCli, tempDir } from './cli-harness.js';
import { clusterFileSystem, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';

const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

interface RawApp {
  state: string;
  finalStatus: string;
  runningContainers: number;
  applicationTags: string;
}

describe('yarn-session on a real Hadoop', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let rm: RmRestClient;
  let work: string;
  let env: Record<string, string>;
  let props: string[];
  let tag: string;
  let appId: string | undefined;
  let hdfs: HdfsFileSystem;
  let hdfsDir: string;

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    rm = new RmRestClient({ url: cluster.rmUrl });
    work = tempDir('yarn-session');
    env = { HADOOP_CONF_DIR: cluster.confDir };
    tag = `spindle-it-${path.basename(work)}`.toLowerCase();
    props = ['-D', `yarn.properties-file.location=${work}`];
    hdfs = clusterFileSystem(cluster);
    hdfsDir = uniqueHdfsDir('yarn-session');
  });

  /** The application's staging directory on fs.defaultFS, as the client names it for the harness's user. */
  function stagingDir(): string {
    return `hdfs:///user/${cluster.user}/.spindle/${appId}`;
  }

  after(async function () {
    if (appId !== undefined) {
      const report = await rm.application(appId).catch(() => undefined);
      if (report !== undefined && !TERMINAL.has(report.state)) await rm.killApplication(appId).catch(() => undefined);
    }
    removeDir(work);
    if (hdfs !== undefined) await hdfs.delete(hdfsDir, { recursive: true }).catch(() => undefined);
  });

  async function app(): Promise<RawApp> {
    const response = await fetch(`${cluster.rmUrl}/ws/v1/cluster/apps/${appId}`, { signal: AbortSignal.timeout(10_000) });
    return ((await response.json()) as { app: RawApp }).app;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s; last: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('starts a detached session: application RUNNING with its tags, properties file written', async () => {
    const args = ['yarn-session', '-d', '-s', '2', '-jm', '768m', '-tm', '1024m', '-nm', 'spindle-it-session', ...props];
    args.push('-D', `yarn.tags=${tag}`, '-D', 'resourcemanager.taskmanager-timeout=15s');
    const r = await runCli(args, 180_000, env);
    expect(r.code, describeRun(args, r)).to.equal(0);
    appId = /^Submitted application (application_\d+_\d+)$/m.exec(r.stdout)?.[1];
    expect(appId, describeRun(args, r)).to.be.a('string');
    expect(r.stdout).to.match(/^JobManager Web Interface: http:\/\/[^\s:]+:\d+$/m);
    expect(r.stdout).to.include(`echo "stop" | spindle yarn-session -id ${appId}`);
    const file = fs.readdirSync(work).find((f) => f.startsWith('.yarn-properties-'));
    expect(fs.readFileSync(path.join(work, file!), 'utf8')).to.include(`applicationID=${appId}`);
    const report = await rm.application(appId!);
    expect(report.state).to.equal('RUNNING');
    expect(report.name).to.equal('spindle-it-session');
    expect(report.applicationTags).to.include(tag);
    expect((await rm.findApplications({ tags: [tag], states: ['RUNNING'] })).map((a) => a.id)).to.deep.equal([appId]);
    expect((await app()).runningContainers, 'only the AppMaster before any job').to.equal(1);
    const staging = await hdfs.status(stagingDir());
    expect(staging?.isDirectory, `staging directory ${stagingDir()}`).to.equal(true);
    expect(staging?.permission).to.equal('700');
    const conf = await readText(hdfs, `${stagingDir()}/spindle-conf.yaml`);
    expect(conf).to.include('"resourcemanager.taskmanager-timeout": "15s"');
  });

  it('runs a WordCount through the properties file, with containers for its slots, released when idle', async function () {
    if (appId === undefined) this.skip();
    const localInput = path.join(work, 'readmes.txt');
    const readmes = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'packages')).map((p) => path.join('packages', p, 'README.md'))];
    fs.writeFileSync(
      localInput,
      readmes
        .filter((f) => fs.existsSync(path.join(REPO_ROOT, f)))
        .map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'))
        .join('\n'),
    );
    const input = `${hdfsDir}/readmes.txt`;
    await writeText(hdfs, input, fs.readFileSync(localInput, 'utf8'));
    const output = `${hdfsDir}/out`;
    const args = ['run', '-t', 'yarn-session', ...props, '--no-typecheck', '-p', '4', '-Dexecution.runtime-mode=BATCH'];
    args.push(WORD_COUNT, '--input', input, '--output', output);
    const r = await runCli(args, 180_000, env);
    expectJobsFinished(args, r);
    // Parallelism 4 with 2 slots per TaskManager: two TaskManager containers beside the AppMaster
    // (YARN may hand out one more while the ask shrinks; the driver releases it at once).
    expect((await app()).runningContainers, 'containers right after the job').to.be.at.least(3);
    const overview = (await (await fetch(`${cluster.rmUrl}/proxy/${appId}/overview`)).json()) as Record<string, number>;
    expect(overview['taskmanagers'], 'TaskManagers right after the job').to.equal(2);
    const counts = new Map<string, number>();
    for (const line of await hdfsPartLines(hdfs, output)) {
      const space = line.lastIndexOf(' ');
      counts.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    const expected = await shellCounts(localInput);
    expect(expected.size).to.be.greaterThan(100);
    expect([...counts].sort()).to.deep.equal([...expected].sort());
    await waitFor('the idle TaskManager containers released', app, (a) => a.runningContainers === 1);
  });

  it("answers the JobManager's REST API through the ResourceManager's proxy", async function () {
    if (appId === undefined) this.skip();
    const overview = (await (await fetch(`${cluster.rmUrl}/proxy/${appId}/overview`)).json()) as Record<string, number>;
    expect(overview['jobs-finished']).to.equal(1);
    const jobs = (await (await fetch(`${cluster.rmUrl}/proxy/${appId}/jobs`)).json()) as { jobs: Array<{ status: string }> };
    expect(jobs.jobs.map((j) => j.status)).to.deep.equal(['FINISHED']);
  });

  it("serves the JobManager's log through the NodeManager's REST API", async function () {
    if (appId === undefined) this.skip();
    const attempts = (await (await fetch(`${cluster.rmUrl}/ws/v1/cluster/apps/${appId}/appattempts`)).json()) as {
      appAttempts: { appAttempt: Array<{ containerId: string }> };
    };
    const amContainer = attempts.appAttempts.appAttempt[0]!.containerId;
    const log = await fetch(`http://${cluster.nodeManager.http}/ws/v1/node/containerlogs/${amContainer}/jobmanager.err`);
    expect(log.status).to.equal(200);
    expect(await log.text()).to.include('"msg":"JobManager started"');
  });

  it('stops with `echo stop | spindle yarn-session -id`: FINISHED, SUCCEEDED, no process left', async function () {
    if (appId === undefined) this.skip();
    const r = await pipeStop(appId, props, env);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include(`Application ${appId} FINISHED with final status SUCCEEDED.`);
    const report = await rm.application(appId);
    expect([report.state, report.finalStatus]).to.deep.equal(['FINISHED', 'SUCCEEDED']);
    expect(fs.readdirSync(work).filter((f) => f.startsWith('.yarn-properties-'))).to.deep.equal([]);
    expect(await hdfs.status(stagingDir()), 'the staging directory after stop').to.equal(undefined);
    await waitFor(
      'every process of the application gone',
      () => processesOf(appId!),
      (ps) => ps.length === 0,
      30_000,
    );
  });

  it('refuses an unknown queue and memory above the maximum allocation, leaving no application', async () => {
    const badTag = `${tag}-bad`;
    const base = ['yarn-session', '-d', ...props, '-D', `yarn.tags=${badTag}`];
    const queue = [...base, '-qu', 'no-such-queue'];
    expectCleanFailure(queue, await runCli(queue, 60_000, env), /no-such-queue.*does not exist/, 'root.default');
    const tooBig = [...base, '-tm', '100g'];
    expectCleanFailure(tooBig, await runCli(tooBig, 60_000, env), /102400 MB, is above the maximum allocation of queue 'default'/);
    expect(await rm.findApplications({ tags: [badTag] })).to.deep.equal([]);
  });

  it('fails clearly when HDFS refuses the staging directory, leaving no application and no staging directory', async () => {
    // /user/<other> exists, owned by the harness's user with permission 700: <other> may not create .spindle in it.
    const other = `spindle-it-${path
      .basename(work)
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase()
      .slice(-8)}`;
    const home = `hdfs:///user/${other}`;
    await hdfs.mkdirs(home);
    await hdfs.setPermission(home, '700');
    const badTag = `${tag}-staging`;
    try {
      const args = ['yarn-session', '-d', ...props, '-D', `yarn.tags=${badTag}`];
      const r = await runCli(args, 60_000, { ...env, HADOOP_USER_NAME: other });
      expectCleanFailure(
        args,
        r,
        `Cannot stage the application in`,
        `/user/${other}/.spindle/application_`,
        'Permission denied',
        `'${other}'`,
      );
      expect(await rm.findApplications({ tags: [badTag] })).to.deep.equal([]);
      expect((await hdfs.list(home)).map((e) => e.name)).to.deep.equal([]);
    } finally {
      await hdfs.delete(home, { recursive: true }).catch(() => undefined);
    }
  });
});

/** The lines of the finished part files of an HDFS sink directory, read through the FileSystem port. */
async function hdfsPartLines(hdfs: HdfsFileSystem, dir: string): Promise<string[]> {
  const files = (await hdfs.list(dir)).map((s) => s.name).filter((n) => /^part-\d+-\d+$/.test(n));
  expect(files, `part files in ${dir}`).to.not.deep.equal([]);
  let lines: string[] = [];
  for (const f of files) lines = lines.concat((await readText(hdfs, childPath(dir, f))).split('\n').filter((l) => l !== ''));
  return lines;
}

/** Command lines of live processes that belong to the application (AppMaster and TaskManagers name it). */
async function processesOf(appId: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((l) => l.includes(appId.slice('application_'.length)) && l.includes('spindle'));
}

/** Final counts computed by coreutils rather than by anything in Spindle. */
async function shellCounts(inputFile: string): Promise<Map<string, number>> {
  const script = `tr -s '[:space:]' '\\n' < "$1" | grep -av '^$' | sort | uniq -c`;
  const { stdout } = await promisify(execFile)('sh', ['-c', script, 'sh', inputFile], { env: { ...process.env, LC_ALL: 'C' } });
  const counts = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^ *(\d+) (.+)$/.exec(line);
    if (m) counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]));
  }
  return counts;
}
