import { expect } from 'chai';
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AccessDeniedError, FileAlreadyExistsError, FileSystemError, childPath, parseFsUri, type FileSystem } from '@spindle/core';
import { describeFileSystemContract, readText, writeText } from '@spindle/core/testing';
import type { HdfsFileSystem } from '@spindle/hdfs';
import type { HadoopCluster } from '../hadoop/harness.js';
import { clusterFileSystem, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';

/** The HDFS path of an hdfs:// URI, as the WebHDFS client takes it. */
function hdfsPath(uri: string): string {
  return parseFsUri(uri).path;
}

async function failure(work: Promise<unknown>): Promise<FileSystemError> {
  const e = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, String(e)).to.be.instanceOf(FileSystemError);
  return e as FileSystemError;
}

/** Deterministic bytes, generated as they are read (`total` bytes in chunks of 64 KiB), hashed on the way into `hash`. */
function generated(total: number, hash?: Hash): Readable {
  let sent = 0;
  let seed = 12345;
  return new Readable({
    highWaterMark: 1 << 16,
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(1 << 16, total - sent);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) {
        if (i % 4 === 0) seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        chunk[i] = (seed >>> ((i % 4) * 8)) & 0xff;
      }
      sent += n;
      hash?.update(chunk);
      this.push(chunk);
    },
  });
}

/** Samples the process's resident memory while `work` runs; resolves with the peak. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

describe('HDFS through WebHDFS (real Hadoop)', function () {
  this.timeout(180_000);
  let cluster: HadoopCluster;
  let hdfs: HdfsFileSystem;

  before(async function () {
    this.timeout(300_000);
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    hdfs = clusterFileSystem(cluster);
    await hdfs.mkdirs('hdfs:///spindle-test');
    // Tests act as other users too: let everyone make directories here.
    await hdfs.client().setPermission('/spindle-test', '1777');
  });

  describeFileSystemContract('hdfs:// (real HDFS)', () => ({
    fs: hdfs,
    newDirectory: async () => {
      const dir = uniqueHdfsDir('contract');
      await hdfs.mkdirs(dir);
      return dir;
    },
    cleanUp: async (dir) => void (await hdfs.delete(dir, { recursive: true })),
  }));

  describe('operations', () => {
    let dir: string;
    beforeEach(async () => {
      dir = uniqueHdfsDir('ops');
      await hdfs.mkdirs(dir);
    });
    afterEach(async () => void (await hdfs.delete(dir, { recursive: true })));

    it('CREATE is redirected (307) to the DataNode on 127.0.0.1, where the bytes go', async () => {
      const url = new URL(
        `${cluster.webHdfsUrl}/webhdfs/v1/spindle-test/redirect-probe?op=CREATE&user.name=${cluster.user}&overwrite=true`,
      );
      const res = await fetch(url, { method: 'PUT', redirect: 'manual' });
      await res.body?.cancel();
      expect(res.status).to.equal(307);
      const location = new URL(res.headers.get('location')!);
      expect(location.hostname).to.equal('127.0.0.1');
      expect(cluster.dataNodes.map((d) => d.http)).to.include(location.host);
      expect(location.searchParams.get('op')).to.equal('CREATE');
      await writeText(hdfs, childPath(dir, 'via-datanode'), 'through the redirect');
      expect(await readText(hdfs, childPath(dir, 'via-datanode'))).to.equal('through the redirect');
    });

    it('GETCONTENTSUMMARY, GETHOMEDIRECTORY, SETPERMISSION and LISTSTATUS', async () => {
      await writeText(hdfs, childPath(dir, 'a/one'), '12345');
      await writeText(hdfs, childPath(dir, 'a/two'), '123');
      const client = hdfs.client();
      const path = hdfsPath(dir);
      const summary = await client.getContentSummary(`${path}/a`);
      expect(summary).to.deep.include({ fileCount: 2, directoryCount: 1, length: 8 });
      expect(await client.getHomeDirectory()).to.equal(`/user/${cluster.user}`);
      expect(await hdfs.homeDirectory()).to.equal(`hdfs:///user/${cluster.user}`);
      await client.setPermission(`${path}/a/one`, '600');
      expect((await hdfs.status(childPath(dir, 'a/one')))?.permission).to.equal('600');
      expect((await client.listStatus(`${path}/a`)).map((s) => [s.pathSuffix, s.length])).to.deep.equal([
        ['one', 5],
        ['two', 3],
      ]);
    });

    it('lists a directory larger than one LISTSTATUS_BATCH (dfs.ls.limit = 1000) in name order', async () => {
      const names = Array.from({ length: 1003 }, (_, i) => `f${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 25) {
        await Promise.all(names.slice(i, i + 25).map((n) => hdfs.mkdirs(childPath(dir, n))));
      }
      const path = hdfsPath(dir);
      const batches: number[] = [];
      for await (const batch of hdfs.client().listStatusBatches(path)) batches.push(batch.length);
      expect(batches.length, `batch sizes ${batches.join(',')}`).to.be.greaterThan(1);
      expect(batches.reduce((a, b) => a + b, 0)).to.equal(names.length);
      const listed: string[] = [];
      for await (const s of hdfs.listIterator(dir)) listed.push(s.name);
      expect(listed).to.deep.equal(names);
    });

    it('appends and truncates, and appends again after a truncate', async () => {
      const f = childPath(dir, 'grow');
      await writeText(hdfs, f, 'abc');
      for (const more of ['def', 'ghi']) {
        const out = await hdfs.append(f);
        out.end(more);
        await finished(out);
      }
      expect(await readText(hdfs, f)).to.equal('abcdefghi');
      // A cut inside a block: the NameNode recovers the last block before the file takes new bytes.
      await hdfs.truncate(f, 4);
      expect(await readText(hdfs, f)).to.equal('abcd');
      const out = await hdfs.append(f);
      out.end('XYZ');
      await finished(out);
      expect(await readText(hdfs, f)).to.equal('abcdXYZ');
      expect((await hdfs.status(f))?.length).to.equal(7);
    });

    it('refuses to rename onto an existing file or directory, leaving both as they were', async () => {
      await writeText(hdfs, childPath(dir, 'src'), 'S');
      await writeText(hdfs, childPath(dir, 'dst'), 'D');
      await hdfs.mkdirs(childPath(dir, 'dir'));
      const onFile = await failure(hdfs.rename(childPath(dir, 'src'), childPath(dir, 'dst')));
      expect(onFile).to.be.instanceOf(FileAlreadyExistsError);
      expect(onFile.message).to.contain(childPath(dir, 'dst'));
      const onDir = await failure(hdfs.rename(childPath(dir, 'src'), childPath(dir, 'dir')));
      expect(onDir.kind).to.equal('already-exists');
      expect(await readText(hdfs, childPath(dir, 'src'))).to.equal('S');
      expect(await readText(hdfs, childPath(dir, 'dst'))).to.equal('D');
      expect(await hdfs.list(childPath(dir, 'dir'))).to.deep.equal([]);
    });

    it('maps each RemoteException of the NameNode to the error kind of the port, naming the path', async () => {
      await writeText(hdfs, childPath(dir, 'file'), 'x');
      await writeText(hdfs, childPath(dir, 'full/child'), 'x');
      // A CREATE's errors come from the DataNode, once the upload started: from the stream, as in Hadoop's own client.
      const cases: Array<[string, () => Promise<unknown>, string, string]> = [
        ['FileNotFoundException', () => hdfs.open(childPath(dir, 'none')), 'not-found', childPath(dir, 'none')],
        ['FileAlreadyExistsException', () => writeText(hdfs, childPath(dir, 'file'), 'y'), 'already-exists', childPath(dir, 'file')],
        ['ParentNotDirectoryException', () => hdfs.mkdirs(childPath(dir, 'file/sub')), 'parent-not-directory', childPath(dir, 'file/sub')],
        ['PathIsNotEmptyDirectoryException', () => hdfs.delete(childPath(dir, 'full')), 'directory-not-empty', childPath(dir, 'full')],
      ];
      for (const [exception, work, kind, named] of cases) {
        const e = await failure(work());
        expect(e.kind, `${exception}: ${e.message}`).to.equal(kind);
        expect(e.message, exception).to.contain(named);
      }
    });

    it('refuses a user another user shut out of a directory (permission 700), naming the path and the user', async () => {
      const alice = clusterFileSystem(cluster, '', 'alice');
      const bob = clusterFileSystem(cluster, '', 'bob');
      // /spindle-test is 1777: alice makes a directory of her own there and shuts everyone else out.
      const privateDir = childPath(dir, 'alice-only');
      await hdfs.client().setPermission(hdfsPath(dir), '777');
      await writeText(alice, childPath(privateDir, 'secret'), 'mine');
      expect((await hdfs.status(privateDir))?.owner).to.equal('alice');
      await alice.client().setPermission(hdfsPath(privateDir), '700');
      expect(await readText(alice, childPath(privateDir, 'secret'))).to.equal('mine');
      for (const work of [
        () => bob.list(privateDir),
        () => bob.open(childPath(privateDir, 'secret')),
        () => writeText(bob, childPath(privateDir, 'mine-now'), 'x'),
        () => bob.delete(privateDir, { recursive: true }),
      ]) {
        const e = await failure(work());
        expect(e).to.be.instanceOf(AccessDeniedError);
        expect(e.message).to.contain(privateDir).and.contain("'bob'").and.contain('HADOOP_USER_NAME');
      }
    });

    it('writes and reads back 300 MB streamed, the resident memory growing by less than 64 MB', async function () {
      const total = 300 * 1024 * 1024;
      const f = childPath(dir, 'big');
      const expectedHash = createHash('sha256');
      // Warm up both directions so that lazily loaded code and sockets are in the baseline.
      await writeText(hdfs, childPath(dir, 'warm'), 'w'.repeat(1 << 20));
      await readText(hdfs, childPath(dir, 'warm'));
      const baseline = process.memoryUsage.rss();
      const written = await peakRss(async () => pipeline(generated(total, expectedHash), await hdfs.create(f)));
      const expected = expectedHash.digest('hex');
      expect((await hdfs.status(f))?.length).to.equal(total);
      const read = await peakRss(async () => {
        const hash = createHash('sha256');
        await pipeline(await hdfs.open(f), hash);
        return hash.digest('hex');
      });
      expect(read.result).to.equal(expected);
      const growth = Math.max(written.peak, read.peak) - baseline;
      console.log(
        `      RSS growth: write ${((written.peak - baseline) / 2 ** 20).toFixed(1)} MB, read ${((read.peak - baseline) / 2 ** 20).toFixed(1)} MB`,
      );
      expect(growth, 'resident memory growth in bytes').to.be.below(64 * 1024 * 1024);
    });

    it('reads ranges from an offset inside a later block', async () => {
      const f = childPath(dir, 'ranges');
      await pipeline(generated(3 * 1024 * 1024 + 17), await hdfs.create(f));
      const all: Buffer[] = [];
      for await (const c of await hdfs.open(f)) all.push(c as Buffer);
      const whole = Buffer.concat(all);
      const part: Buffer[] = [];
      for await (const c of await hdfs.open(f, { offset: 2 * 1024 * 1024 + 5, length: 1000 })) part.push(c as Buffer);
      expect(Buffer.concat(part).equals(whole.subarray(2 * 1024 * 1024 + 5, 2 * 1024 * 1024 + 1005))).to.equal(true);
    });

    it('serves hdfs://host:port paths of the NameNode named by its RPC address', async () => {
      const byAddress: FileSystem = clusterFileSystem(cluster, new URL(cluster.defaultFS).host);
      const f = `${cluster.defaultFS}${hdfsPath(dir)}/named`;
      await writeText(byAddress, f, 'by address');
      expect(await readText(hdfs, childPath(dir, 'named'))).to.equal('by address');
    });
  });
});
