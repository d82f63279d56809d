import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { childPath } from '@spindle/core';
import { readText, writeText } from '@spindle/core/testing';
import type { HdfsFileSystem } from '@spindle/hdfs';
import type { HadoopCluster } from '../hadoop/harness.js';
import { FIXTURES, REPO_ROOT, describeRun, expectCleanFailure, expectJobsFinished, removeDir, runCli, tempDir } from './cli-harness.js';
import { startSessionCluster } from './session-cluster.js';
import { clusterFileSystem, hadoopEnvironment, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';
import { buildInput, countsByWord, expectFinalCounts, shellCounts } from './word-count-check.js';

const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');

/** Every line of the finished part files of an HDFS sink directory, and their names. */
async function hdfsPartFiles(hdfs: HdfsFileSystem, dir: string): Promise<{ files: string[]; lines: string[] }> {
  const files = (await hdfs.list(dir)).map((s) => s.name).filter((n) => /^part-\d+-\d+$/.test(n));
  let lines: string[] = [];
  for (const f of files) lines = lines.concat((await readText(hdfs, childPath(dir, f))).split('\n').filter((l) => l !== ''));
  return { files, lines };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('spindle run on HDFS paths (real Hadoop)', function () {
  this.timeout(240_000);
  let cluster: HadoopCluster;
  let hdfs: HdfsFileSystem;
  let env: Record<string, string>;
  let work: string;
  let input: string;
  let expected: Map<string, number>;

  before(async function () {
    this.timeout(300_000);
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    hdfs = clusterFileSystem(cluster);
    env = hadoopEnvironment(cluster);
    work = tempDir('hdfs-cli');
    const text = buildInput();
    const local = path.join(work, 'readmes.txt');
    fs.writeFileSync(local, text);
    expected = await shellCounts(local);
    // The input as a directory of three files on HDFS, each ending at a line.
    input = uniqueHdfsDir('wc-in');
    let start = 0;
    for (let i = 1; i <= 3; i++) {
      const end = i === 3 ? text.length : text.indexOf(0x0a, Math.floor((text.length * i) / 3)) + 1;
      await pipeline(fs.createReadStream(local, { start, end: end - 1 }), await hdfs.create(childPath(input, `readmes-${i}.txt`)));
      start = end;
    }
  });

  after(async () => {
    removeDir(work);
    if (hdfs !== undefined) await hdfs.delete(input, { recursive: true });
  });

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    it(`counts the words of an hdfs:/// directory into an hdfs:/// directory like coreutils, ${mode}, parallelism 2`, async () => {
      const output = uniqueHdfsDir(`wc-out-${mode}`);
      const args = [
        'run',
        '--no-typecheck',
        '-p',
        '2',
        `-Dexecution.runtime-mode=${mode}`,
        WORD_COUNT,
        '--input',
        input,
        '--output',
        output,
      ];
      const r = await runCli(args, 180_000, env);
      expectJobsFinished(args, r);
      const { files, lines } = await hdfsPartFiles(hdfs, output);
      expect(files, describeRun(args, r)).to.deep.equal(['part-0-0', 'part-1-0']);
      expectFinalCounts(expected, countsByWord(lines), mode);
      await hdfs.delete(output, { recursive: true });
    });
  }

  it('leaves no finished part file on HDFS when the job fails', async () => {
    const output = uniqueHdfsDir('failing');
    const args = ['run', '--no-typecheck', '-p', '2', path.join(FIXTURES, 'hdfs-failing-sink.ts'), '--output', output];
    const r = await runCli(args, 180_000, env);
    expectCleanFailure(args, r, 'failing on purpose');
    const names = (await hdfs.list(output)).map((s) => s.name);
    expect(
      names.filter((n) => /^part-/.test(n)),
      `files in ${output}: ${names.join(', ')}`,
    ).to.deep.equal([]);
    expect(
      names.some((n) => /^\.part-\d-0\.inprogress$/.test(n)),
      `the sink had begun: files in ${output}: ${names.join(', ')}`,
    ).to.equal(true);
    await hdfs.delete(output, { recursive: true });
  });

  it('runs on a session cluster whose JobManager keeps its job bundles on HDFS (blob.storage.directory)', async () => {
    const blobs = uniqueHdfsDir('blobs');
    const cluster = await startSessionCluster('hdfs-blobs', {
      taskManagers: 1,
      slotsPerTaskManager: 2,
      dynamic: [`-Dblob.storage.directory=${blobs}`],
      env,
    });
    const output = uniqueHdfsDir('wc-session');
    try {
      const args = ['run', '--no-typecheck', '-m', cluster.rest, '-p', '2', WORD_COUNT, '--input', input, '--output', output];
      const r = await runCli(args, 180_000, env);
      expectJobsFinished(args, r);
      const stored = (await hdfs.list(childPath(blobs, 'blobs'))).map((s) => s.name);
      expect(stored, describeRun(args, r)).to.have.length(1);
      expect(stored[0]).to.match(/^[0-9a-f]{32}\.blob$/);
      expectFinalCounts(expected, countsByWord((await hdfsPartFiles(hdfs, output)).lines), 'STREAMING');
    } finally {
      await cluster.stop();
      await hdfs.delete(blobs, { recursive: true });
      await hdfs.delete(output, { recursive: true });
    }
  });

  describe('bad HDFS input fails with exit code 1 and a message naming the path', () => {
    const run = (args: string[], extraEnv: Record<string, string> = {}) =>
      runCli(['run', '--no-typecheck', WORD_COUNT, ...args], 120_000, { ...env, ...extraEnv });

    it('a missing input path', async () => {
      const missing = `${uniqueHdfsDir('missing')}/none.txt`;
      const args = ['--input', missing];
      expectCleanFailure(args, await run(args), missing, 'does not exist');
    });

    it('a wrong port in the path', async () => {
      const wrong = `hdfs://127.0.0.1:${await closedPort()}/data/in.txt`;
      const args = ['--input', wrong];
      expectCleanFailure(args, await run(args), wrong, 'port in the path', cluster.defaultFS);
    });

    it('an unreachable NameNode', async () => {
      const confDir = tempDir('unreachable-conf');
      const port = await closedPort();
      try {
        fs.writeFileSync(
          path.join(confDir, 'core-site.xml'),
          `<configuration><property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:${port}</value></property>` +
            `<property><name>dfs.namenode.http-address</name><value>127.0.0.1:${port}</value></property></configuration>`,
        );
        const args = ['--input', 'hdfs:///data/in.txt'];
        const r = await run(args, { HADOOP_CONF_DIR: confDir });
        expectCleanFailure(
          args,
          r,
          'hdfs:///data/in.txt',
          `http://127.0.0.1:${port}`,
          'ECONNREFUSED',
          'is HDFS running?',
          'HADOOP_CONF_DIR',
        );
      } finally {
        removeDir(confDir);
      }
    });

    it('an input directory another user shut out (700)', async () => {
      const alice = clusterFileSystem(cluster, '', 'alice');
      const dir = uniqueHdfsDir('alice-in');
      await hdfs.client().setPermission('/spindle-test', '1777');
      await writeText(alice, childPath(dir, 'text.txt'), 'a b c\n');
      await alice.client().setPermission(new URL(dir.replace('hdfs://', 'http://h')).pathname, '700');
      try {
        const args = ['--input', dir];
        expectCleanFailure(args, await run(args, { HADOOP_USER_NAME: 'bob' }), dir, 'Permission denied', "'bob'");
      } finally {
        await hdfs.delete(dir, { recursive: true });
      }
    });

    it('an output directory another user shut out (700)', async () => {
      const alice = clusterFileSystem(cluster, '', 'alice');
      const dir = uniqueHdfsDir('alice-out');
      await alice.mkdirs(dir);
      await alice.client().setPermission(new URL(dir.replace('hdfs://', 'http://h')).pathname, '700');
      try {
        const args = ['--input', childPath(input, 'readmes-1.txt'), '--output', dir];
        expectCleanFailure(args, await run(args, { HADOOP_USER_NAME: 'bob' }), dir, 'Permission denied', "'bob'");
      } finally {
        await hdfs.delete(dir, { recursive: true });
      }
    });

    it('a path with an unknown scheme', async () => {
      const args = ['--input', 'hdfx:///data/in.txt'];
      expectCleanFailure(args, await run(args), 'hdfx:///data/in.txt', 'unknown file system scheme', 'hdfs');
    });
  });
});
