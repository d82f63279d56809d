/**
 * A Node.js older than the engine needs (a real Node.js 18, see cli-harness.ts OLD_NODE): the
 * launcher says so before it loads the engine, naming the NodeManager and the fixes; on a real
 * Hadoop, a yarn-session and a run-application --wait whose AppMaster runs under it fail with that
 * message (read from the AppMaster's jobmanager.err through its NodeManager), exit 1, and leave no
 * running application and no staging directory. The failed application stays in YARN as FAILED.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { HdfsFileSystem } from '@spindle/hdfs';
import { RmRestClient } from '@spindle/yarn';
import type { HadoopCluster } from '../hadoop/harness.js';
import { CLI, OLD_NODE, REPO_ROOT, expectCleanFailure, removeDir, runCli, skipWithoutOldNode, tempDir } from './cli-harness.js';
import { clusterFileSystem, killTaggedApplications, sharedHadoop, skipWithoutHadoop } from './hdfs-cluster.js';

const VERSION_TEXT = /Spindle needs Node\.js >= 20\.6, but \S+ is v18\.\d+\.\d+/;

describe('the launcher under a Node.js older than 20.6', function () {
  this.timeout(60_000);

  before(function () {
    skipWithoutOldNode(this);
  });

  it('exits 1 with the version, the NodeManager and the fixes, before loading the engine', async () => {
    const run = (env: Record<string, string>) =>
      promisify(execFile)(OLD_NODE, [CLI, 'list'], { cwd: REPO_ROOT, env: { ...process.env, ...env } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    const onNm = await run({ NM_HOST: 'nm-7.example' });
    expect(onNm.code).to.equal(1);
    expect(onNm.stderr).to.equal(
      `Spindle needs Node.js >= 20.6, but ${OLD_NODE} is v18.20.4 on the NodeManager nm-7.example: ` +
        "set yarn.node.command to a newer Node.js there, or yarn.ship-node: true to ship the client's.\n",
    );
    const local = await run({ NM_HOST: '' });
    expect(local.code).to.equal(1);
    expect(local.stderr).to.equal(`Spindle needs Node.js >= 20.6, but ${OLD_NODE} is v18.20.4.\n`);
  });
});

describe('YARN deployment with a Node.js older than 20.6 on the NodeManager', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let rm: RmRestClient;
  let hdfs: HdfsFileSystem;
  let work: string;
  let env: Record<string, string>;
  let tag: string;

  before(async function () {
    skipWithoutOldNode(this);
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    rm = new RmRestClient({ url: cluster.rmUrl });
    hdfs = clusterFileSystem(cluster);
    work = tempDir('yarn-old-node');
    env = { HADOOP_CONF_DIR: cluster.confDir };
    tag = `spindle-it-${path.basename(work)}`.toLowerCase();
  });

  after(async function () {
    await killTaggedApplications(rm, tag);
    removeDir(work);
  });

  const oldNode = () => ['-D', `yarn.node.command=${OLD_NODE}`, '-D', 'yarn.ship-node=false', '-D', 'yarn.application-attempts=1'];

  /** The application the run submitted: FAILED, nothing of it running, its staging directory gone. */
  async function expectNothingLeft(appTag: string, output: string): Promise<void> {
    const apps = await rm.findApplications({ tags: [appTag] });
    expect(
      apps.map((a) => a.state),
      'the one application the run submitted',
    ).to.deep.equal(['FAILED']);
    const appId = apps[0]!.id;
    expect(output).to.include(appId);
    expect(await hdfs.status(`hdfs:///user/${cluster.user}/.spindle/${appId}`), 'the staging directory').to.equal(undefined);
  }

  it('yarn-session -d: the version message from the AppMaster, exit 1, no running application, no staging directory', async () => {
    const sessionTag = `${tag}-session`;
    const args = ['yarn-session', '-d', '-D', `yarn.properties-file.location=${work}`, '-D', `yarn.tags=${sessionTag}`, ...oldNode()];
    const r = await runCli(args, 180_000, env);
    const stderr = expectCleanFailure(args, r, /ended FAILED during deployment/, VERSION_TEXT, 'yarn.node.command', 'yarn.ship-node: true');
    expect(stderr).to.include(`${OLD_NODE} is v18.20.4 on the NodeManager `);
    expect(stderr, "the NodeManager's framing of the log stripped").to.not.match(/LogContents:|End of LogType:/);
    await expectNothingLeft(sessionTag, stderr);
  });

  it('run-application --wait: the same message, exit 1, no running application, no staging directory', async () => {
    const appTag = `${tag}-app`;
    const args = ['run-application', '-t', 'yarn-application', '--wait', '--no-typecheck', '-D', `yarn.tags=${appTag}`, ...oldNode()];
    args.push(path.join(REPO_ROOT, 'examples', 'word-count.ts'), '--input', 'hdfs:///no-such-input', '--output', 'hdfs:///no-such-output');
    const r = await runCli(args, 180_000, env);
    const stderr = expectCleanFailure(args, r, /ended FAILED during deployment/, VERSION_TEXT, 'yarn.node.command', 'yarn.ship-node: true');
    await expectNothingLeft(appTag, stderr);
  });
});
