import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { FileSystemError, childPath } from '@spindle/core';
import { readText, writeText } from '@spindle/core/testing';
import { HadoopConfiguration, WebHdfsClient, resolveNameNodes, type HdfsFileSystem } from '@spindle/hdfs';
import { failoverNameNode, type HadoopCluster } from '../hadoop/harness.js';
import { HA_HOME, clusterFileSystem, skipWithoutHadoop, startHaHadoop, stopHaHadoop } from './hdfs-cluster.js';

describe('HDFS HA nameservice (real Hadoop, two NameNodes)', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let hdfs: HdfsFileSystem;
  const dir = `hdfs://ns1/spindle-test/ha-${process.pid}`;

  before(async function () {
    this.timeout(300_000);
    skipWithoutHadoop(this);
    cluster = await startHaHadoop();
    hdfs = clusterFileSystem(cluster, 'ns1');
    await hdfs.mkdirs(dir);
  });

  after(async function () {
    this.timeout(120_000);
    await stopHaHadoop();
  });

  it('finds both NameNodes of ns1 in the harness configuration', () => {
    const conf = HadoopConfiguration.fromDirectory(cluster.confDir);
    expect(conf.get('fs.defaultFS')).to.equal('hdfs://ns1');
    const nn = resolveNameNodes('ns1', conf, `${dir}/x`);
    expect(nn.httpAddresses).to.have.length(2);
    expect(nn.httpAddresses).to.have.members(cluster.nameNodes.map((n) => `http://${n.http}`));
  });

  it('answers a request sent to the standby NameNode alone with the standby error', async () => {
    const standby = cluster.nameNodes.find((n) => n.state === 'standby')!;
    const alone = new WebHdfsClient({
      namenodes: { fsUri: 'hdfs://ns1', nameservice: 'ns1', httpAddresses: [`http://${standby.http}`] },
      user: cluster.user,
      retry: { baseDelayMs: 10, maxRetries: 1 },
    });
    const e = await alone.getFileStatus('/').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(FileSystemError);
    expect((e as FileSystemError).kind).to.equal('standby');
  });

  it('keeps reading and writing through hdfs://ns1/ while the active NameNode fails over and back', async () => {
    const big = childPath(dir, 'big');
    const out = await hdfs.create(big, { overwrite: true });
    const bigHash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 32; i++) {
      bigHash.update(chunk);
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
    }
    out.end();
    await new Promise((resolve, reject) => out.on('finish', resolve).on('error', reject));
    const expectedBig = bigHash.digest('hex');

    const errors: string[] = [];
    let round = 0;
    const work = async (until: () => boolean) => {
      for (let extra = 0; !until() || extra < 5; extra += until() ? 1 : 0) {
        const f = childPath(dir, `f${round++}`);
        try {
          await writeText(hdfs, f, `round ${round}`);
          expect(await readText(hdfs, f)).to.equal(`round ${round}`);
          expect((await hdfs.list(dir)).some((s) => s.path === f)).to.equal(true);
        } catch (e) {
          errors.push(`${f}: ${(e as Error).message}`);
        }
      }
    };
    const readBig = async () => {
      const hash = createHash('sha256');
      await pipeline(await hdfs.open(big), hash);
      return hash.digest('hex');
    };

    for (const expectedActive of ['nn2', 'nn1']) {
      let done = false;
      const failover = failoverNameNode({ home: HA_HOME }).finally(() => (done = true));
      const [result, , bigRead] = await Promise.all([failover, work(() => done), readBig()]);
      expect(result.active).to.equal(expectedActive);
      expect(bigRead).to.equal(expectedBig);
      // The rounds after the failover found the new active NameNode, having been told "standby" by the old one.
      expect(hdfs.client().activeAddress).to.equal(result.webHdfsUrl);
    }
    expect(errors, errors.join('\n')).to.deep.equal([]);
    expect(round).to.be.at.least(10);
  });
});
