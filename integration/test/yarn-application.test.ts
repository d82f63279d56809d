/**
 * Application mode, per-job mode and what orchestrators rely on, on the real Hadoop of the
 * harness, through the CLI: `run-application --wait` of a WordCount on hdfs:// (output checked
 * against coreutils) with yarn.tags, Oozie's child tags and --capture-output; a failing job's exit
 * code and final status; a detached application listed and cancelled with
 * `-t yarn-application -Dyarn.application.id=...`; `-sae` with `--wait` (the client's heartbeats reach
 * the AppMaster's JobManager; a client killed outright gets its job cancelled after the heartbeat
 * timeout); `run -t yarn-per-job` with its warning. Every
 * container runs the engine from the archive staged in HDFS, unpacked in its own working directory
 * (the NodeManager's launch script of each container says so), and the staging directory is gone
 * once the application ended. Every application carries this suite's tag; `after` kills any left.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { childPath } from '@spindle/core';
import { readText, writeText } from '@spindle/core/testing';
import type { HdfsFileSystem } from '@spindle/hdfs';
import { RmRestClient, type ApplicationReport } from '@spindle/yarn';
import type { HadoopCluster } from '../hadoop/harness.js';
import { CLI, REPO_ROOT, describeRun, expectCleanFailure, removeDir, runCli, tempDir, type CliResult } from './cli-harness.js';
import { clusterFileSystem, killTaggedApplications, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';
import { countsByWord, expectFinalCounts, shellCounts } from './word-count-check.js';

const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');
const JOBS = path.join(REPO_ROOT, 'integration', 'test', 'jobs');
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

describe('YARN application and per-job modes on a real Hadoop', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let rm: RmRestClient;
  let work: string;
  let env: Record<string, string>;
  let tag: string;
  let hdfs: HdfsFileSystem;
  let hdfsDir: string;
  let input: string;
  let expected: Map<string, number>;

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    rm = new RmRestClient({ url: cluster.rmUrl });
    work = tempDir('yarn-application');
    // A cache of this suite's own: the first deployment packs the engine, later ones reuse the archive.
    env = { HADOOP_CONF_DIR: cluster.confDir, XDG_CACHE_HOME: path.join(work, 'cache') };
    tag = `spindle-it-app-${path.basename(work)}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
    hdfs = clusterFileSystem(cluster);
    hdfsDir = uniqueHdfsDir('yarn-application');
    const localInput = path.join(work, 'readmes.txt');
    const readmes = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'packages')).map((p) => path.join('packages', p, 'README.md'))];
    fs.writeFileSync(
      localInput,
      readmes
        .filter((f) => fs.existsSync(path.join(REPO_ROOT, f)))
        .map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'))
        .join('\n'),
    );
    input = `${hdfsDir}/readmes.txt`;
    await writeText(hdfs, input, fs.readFileSync(localInput, 'utf8'));
    expected = await shellCounts(localInput);
    expect(expected.size).to.be.greaterThan(100);
  });

  after(async function () {
    await killTaggedApplications(rm, tag);
    removeDir(work);
    if (hdfs !== undefined) await hdfs.delete(hdfsDir, { recursive: true }).catch(() => undefined);
  });

  function stagingDir(appId: string): string {
    return `hdfs:///user/${cluster.user}/.spindle/${appId}`;
  }

  /** The launch scripts of the application's containers, which the NodeManager keeps in each container's log directory. */
  function launchScripts(appId: string): string[] {
    const logDirs = fs
      .readdirSync(cluster.dataDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => path.basename(f) === appId && f.includes('logDir'));
    const scripts: string[] = [];
    for (const dir of logDirs) {
      for (const container of fs.readdirSync(path.join(cluster.dataDir, dir))) {
        const file = path.join(cluster.dataDir, dir, container, 'launch_container.sh');
        if (fs.existsSync(file)) scripts.push(fs.readFileSync(file, 'utf8'));
      }
    }
    return scripts;
  }

  /** The engine ran from the staged archive in each container: launcher relative to the container's directory, never this checkout. */
  async function expectEngineFromArchive(appId: string, containers: number, node = 'node'): Promise<void> {
    const scripts = launchScripts(appId);
    expect(scripts.length, `launch scripts of ${appId}`).to.be.at.least(containers);
    for (const script of scripts) {
      const exec = script.split('\n').find((l) => l.startsWith('exec /bin/bash -c'));
      expect(exec, script).to.be.a('string');
      expect(exec!.startsWith(`exec /bin/bash -c "${node} spindle-engine/node_modules/@spindle/cli/bin/spindle.js `), exec).to.equal(true);
      expect(exec).to.match(/spindle\.js (yarn-appmaster|taskmanager) /);
      expect(exec).to.not.include(path.join(REPO_ROOT, 'packages'));
      expect(script).to.match(/ln -sf -- "[^"]*filecache\/\d+\/spindle-engine-[0-9a-f]+\.tar\.gz" "spindle-engine"/);
    }
  }

  async function hdfsCounts(dir: string): Promise<Map<string, number[]>> {
    const files = (await hdfs.list(dir)).map((s) => s.name).filter((n) => /^part-\d+-\d+$/.test(n));
    expect(files, `part files in ${dir}`).to.not.deep.equal([]);
    let lines: string[] = [];
    for (const f of files) lines = lines.concat((await readText(hdfs, childPath(dir, f))).split('\n').filter((l) => l !== ''));
    return countsByWord(lines);
  }

  async function report(appId: string): Promise<ApplicationReport> {
    return rm.application(appId);
  }

  function appIdOf(args: string[], r: CliResult, text = r.stdout): string {
    const id = /^Submitted application (application_\d+_\d+)$/m.exec(text)?.[1];
    expect(id, describeRun(args, r)).to.be.a('string');
    return id!;
  }

  it('run-application --wait: WordCount on hdfs:// in the AppMaster, exit 0, tags (with Oozie’s), capture-output properties', async () => {
    const oozieConf = path.join(work, 'action.xml');
    const oozieTag = `oozie-${tag}`.slice(0, 90);
    fs.writeFileSync(
      oozieConf,
      `<?xml version="1.0"?>\n<configuration>\n  <property><name>oozie.child.mapreduce.job.tags</name><value>${oozieTag}</value></property>\n</configuration>\n`,
    );
    const output = `${hdfsDir}/app-out`;
    const args = ['run-application', '-t', 'yarn-application', '--wait', '--capture-output', '--no-typecheck'];
    args.push('-p', '2', '-Dexecution.runtime-mode=BATCH', `-Dyarn.tags=${tag}`, '-Dtaskmanager.numberOfTaskSlots=2');
    args.push(WORD_COUNT, '--input', input, '--output', output);
    const r = await runCli(args, 240_000, { ...env, OOZIE_ACTION_CONF_XML: oozieConf });
    expect(r.code, describeRun(args, r)).to.equal(0);
    // stdout: only the properties document; the CLI's lines went to stderr.
    expect(Buffer.byteLength(r.stdout), 'capture-output document size').to.be.at.most(2048);
    const props = new Map(
      r.stdout
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    expect([...props.keys()].sort(), describeRun(args, r)).to.deep.equal(['applicationId', 'jobId']);
    expect(props.get('jobId')).to.match(/^[0-9a-f]{32}$/);
    const appId = props.get('applicationId')!;
    expect(appIdOf(args, r, r.stderr)).to.equal(appId);
    expect(r.stderr).to.include(`Job has been submitted with JobID ${props.get('jobId')}`);
    expect(r.stderr).to.include(`Application ${appId} FINISHED with final status SUCCEEDED.`);
    const app = await report(appId);
    expect([app.state, app.finalStatus]).to.deep.equal(['FINISHED', 'SUCCEEDED']);
    expect(app.applicationTags).to.include.members([tag, oozieTag]);
    expect(app.name).to.equal('Spindle application: word-count.ts');
    expectFinalCounts(expected, await hdfsCounts(output), 'BATCH');
    expect(await hdfs.status(stagingDir(appId)), 'staging directory after the application').to.equal(undefined);
    await expectEngineFromArchive(appId, 2);
  });

  it('exits 1 for a failing job, with the application FAILED and the cause in its diagnostics (Node.js shipped)', async () => {
    const args = [
      'run-application',
      '--no-typecheck',
      '-Dexecution.attached=true',
      '-Dyarn.ship-node=true',
      `-Dyarn.tags=${tag}`,
      path.join(JOBS, 'failing-job.ts'),
    ];
    const r = await runCli(args, 240_000, env);
    expectCleanFailure(args, r, /ended FINISHED with final status FAILED: Job [0-9a-f]{32} \(Failing job\) FAILED: .*bad record 2/);
    const appId = appIdOf(args, r);
    const app = await report(appId);
    expect(app.finalStatus).to.equal('FAILED');
    expect(app.diagnostics).to.include('bad record 2');
    expect(await hdfs.status(stagingDir(appId))).to.equal(undefined);
    // The AppMaster and the TaskManager ran the client's Node.js, shipped as an archive.
    await expectEngineFromArchive(appId, 2, 'spindle-node/bin/node');
    for (const script of launchScripts(appId))
      expect(script).to.match(/filecache\/\d+\/spindle-node-v[\d.]+-linux-\w+\.tar\.gz" "spindle-node"/);
  });

  it('runs detached, then list and cancel find it through -t yarn-application -Dyarn.application.id', async () => {
    const args = [
      'run-application',
      '-t',
      'yarn-application',
      '--no-typecheck',
      `-Dyarn.tags=${tag}`,
      path.join(JOBS, 'slow-generator-job.ts'),
    ];
    const r = await runCli(args, 240_000, env);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const appId = appIdOf(args, r);
    const jobId = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
    expect(jobId, describeRun(args, r)).to.be.a('string');
    expect((await report(appId)).state).to.equal('RUNNING');
    const target = ['-t', 'yarn-application', `-Dyarn.application.id=${appId}`];
    const deadline = Date.now() + 60_000;
    let list: CliResult;
    do {
      list = await runCli(['list', ...target], 60_000, env);
      expect(list.code, describeRun(['list'], list)).to.equal(0);
    } while (!list.stdout.includes(`${jobId} : Slow generator (RUNNING)`) && Date.now() < deadline);
    expect(list.stdout).to.include(`${jobId} : Slow generator (RUNNING)`);
    const cancel = await runCli(['cancel', ...target, jobId!], 60_000, env);
    expect(cancel.code, describeRun(['cancel'], cancel)).to.equal(0);
    expect(cancel.stdout).to.include(`Cancelled job ${jobId}.`);
    let app = await report(appId);
    for (const end = Date.now() + 60_000; !TERMINAL.has(app.state) && Date.now() < end;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      app = await report(appId);
    }
    expect([app.state, app.finalStatus]).to.deep.equal(['FINISHED', 'KILLED']);
    expect(app.diagnostics).to.include(`Job ${jobId} (Slow generator) CANCELED`);
    const missing = await runCli(['list', '-t', 'yarn-application'], 60_000, env);
    expectCleanFailure(['list', '-t', 'yarn-application'], missing, '-Dyarn.application.id=<applicationId>');
  });

  it('-sae with --wait: the client heartbeats reach the AppMaster; a client killed outright gets its job cancelled after the timeout', async () => {
    const args = ['run-application', '-t', 'yarn-application', '--wait', '-sae', '--no-typecheck', `-Dyarn.tags=${tag}`];
    args.push('-Dclient.heartbeat.interval=1 s', '-Dclient.heartbeat.timeout=10 s', path.join(JOBS, 'slow-generator-job.ts'));
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    let ended = false;
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve())).then(() => (ended = true));
    try {
      let appId: string | undefined;
      let jobId: string | undefined;
      for (const end = Date.now() + 180_000; (appId === undefined || jobId === undefined) && !ended && Date.now() < end;) {
        await new Promise((r) => setTimeout(r, 500));
        appId = /^Submitted application (application_\d+_\d+)$/m.exec(out)?.[1];
        jobId = /JobID ([0-9a-f]{32})/.exec(out)?.[1];
      }
      expect(appId, out).to.be.a('string');
      const status = async (): Promise<string | undefined> => {
        const r = await fetch(`${cluster.rmUrl}/proxy/${appId}/jobs/${jobId}/status`).catch(() => undefined);
        return r?.ok === true ? ((await r.json()) as { status: string }).status : undefined;
      };
      for (const end = Date.now() + 120_000; (await status()) !== 'RUNNING' && Date.now() < end;)
        await new Promise((r) => setTimeout(r, 500));
      expect(await status(), out).to.equal('RUNNING');
      // Longer than the heartbeat timeout since the submission: only the client's heartbeats keep it running.
      await new Promise((r) => setTimeout(r, 12_000));
      expect(await status(), 'the job while its client heartbeats').to.equal('RUNNING');
      child.kill('SIGKILL');
      await exited;
      let app = await report(appId!);
      for (const end = Date.now() + 90_000; !TERMINAL.has(app.state) && Date.now() < end; app = await report(appId!)) {
        await new Promise((r) => setTimeout(r, 500));
      }
      expect([app.state, app.finalStatus]).to.deep.equal(['FINISHED', 'KILLED']);
      expect(app.diagnostics).to.include(`Job ${jobId} (Slow generator) CANCELED`);
      expect(await hdfs.status(stagingDir(appId!))).to.equal(undefined);
    } finally {
      child.kill('SIGKILL');
    }
  });

  let killedApp: string | undefined;

  it('an application killed through YARN leaves no staging directory once the next deployment ran', async () => {
    const args = ['run-application', '--no-typecheck', `-Dyarn.tags=${tag}`, path.join(JOBS, 'slow-generator-job.ts')];
    const r = await runCli(args, 240_000, env);
    expect(r.code, describeRun(args, r)).to.equal(0);
    killedApp = appIdOf(args, r);
    expect((await hdfs.status(stagingDir(killedApp)))?.isDirectory).to.equal(true);
    await rm.killApplication(killedApp);
    let state = (await report(killedApp)).state;
    for (const end = Date.now() + 60_000; state !== 'KILLED' && Date.now() < end; state = (await report(killedApp)).state) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(state).to.equal('KILLED');
    // Removed by the AppMaster's SIGTERM hook, or else by the sweep of the next deployment (the per-job test).
  });

  it('run -t yarn-per-job: warns that it is deprecated, runs the job in a cluster of its own, torn down after', async () => {
    const output = `${hdfsDir}/per-job-out`;
    const args = ['run', '-t', 'yarn-per-job', '--no-typecheck', '-Dexecution.runtime-mode=BATCH', `-Dyarn.tags=${tag}`];
    args.push(WORD_COUNT, '--input', input, '--output', output);
    const r = await runCli(args, 240_000, env);
    expect(r.code, describeRun(args, r)).to.equal(0);
    expect(r.stderr).to.match(/Warning: the deployment target yarn-per-job is deprecated/);
    expect(r.stdout).to.match(/^Job has been submitted with JobID [0-9a-f]{32}$/m);
    const appId = appIdOf(args, r);
    const app = await report(appId);
    expect([app.state, app.finalStatus]).to.deep.equal(['FINISHED', 'SUCCEEDED']);
    expectFinalCounts(expected, await hdfsCounts(output), 'BATCH');
    expect(await hdfs.status(stagingDir(appId))).to.equal(undefined);
    await expectEngineFromArchive(appId, 2);
    if (killedApp !== undefined) expect(await hdfs.status(stagingDir(killedApp)), `staging of the killed ${killedApp}`).to.equal(undefined);
  });
});
