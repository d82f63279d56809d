import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSystemError, LocalFileSystem, childPath, fileSystemFor, parseFsUri, registerFileSystem } from '../src/index.js';
import { describeFileSystemContract, readText, writeText } from '../src/testing/index.js';

describe('FileSystem port', () => {
  describe('parseFsUri', () => {
    it('splits scheme, authority and path', () => {
      expect(parseFsUri('hdfs://nn.example:8020/a/b/')).to.deep.equal({ scheme: 'hdfs', authority: 'nn.example:8020', path: '/a/b' });
      expect(parseFsUri('hdfs:///a//b')).to.deep.equal({ scheme: 'hdfs', authority: '', path: '/a/b' });
      expect(parseFsUri('HDFS://ns1')).to.deep.equal({ scheme: 'hdfs', authority: 'ns1', path: '/' });
    });

    it('treats paths without a scheme and file: URIs as local paths', () => {
      expect(parseFsUri('/tmp/x')).to.deep.equal({ scheme: 'file', authority: '', path: '/tmp/x' });
      expect(parseFsUri('file:///tmp/a%20b')).to.deep.equal({ scheme: 'file', authority: '', path: '/tmp/a b' });
      expect(parseFsUri('file:/tmp/y').path).to.equal('/tmp/y');
      expect(parseFsUri('rel/x').path).to.equal(path.resolve('rel/x'));
    });

    it('joins children keeping scheme and authority', () => {
      expect(childPath('hdfs://nn:1/out', 'part-0-0')).to.equal('hdfs://nn:1/out/part-0-0');
      expect(childPath('/tmp/out', 'x')).to.equal('/tmp/out/x');
    });
  });

  describe('registry', () => {
    it('serves file paths with the local file system', async () => {
      expect((await fileSystemFor('/tmp')).fs).to.equal(LocalFileSystem.INSTANCE);
      expect((await fileSystemFor('file:///tmp')).fs).to.equal(LocalFileSystem.INSTANCE);
    });

    it('names the path and the supported schemes for an unknown scheme', async () => {
      const e = await fileSystemFor('s3x://bucket/key').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(FileSystemError);
      expect((e as FileSystemError).kind).to.equal('unknown-scheme');
      expect((e as FileSystemError).userFacing).to.equal(true);
      expect((e as Error).message)
        .to.contain('s3x://bucket/key')
        .and.contain('file')
        .and.contain('hdfs');
    });

    it('creates one instance per scheme and authority from a registered factory', async () => {
      let made = 0;
      registerFileSystem('memtest', () => {
        made++;
        return LocalFileSystem.INSTANCE;
      });
      await fileSystemFor('memtest://a/x');
      await fileSystemFor('memtest://a/y');
      await fileSystemFor('memtest://b/y');
      expect(made).to.equal(2);
    });
  });

  describeFileSystemContract('file://', () => ({
    fs: LocalFileSystem.INSTANCE,
    newDirectory: async () => fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-fs-')),
    cleanUp: async (dir) => fs.rmSync(dir, { recursive: true, force: true }),
  }));

  describe('LocalFileSystem', () => {
    const lfs = LocalFileSystem.INSTANCE;
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-fs-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('accepts file: URIs as well as plain paths', async () => {
      await writeText(lfs, `file://${dir}/d/z.txt`, '123');
      expect(await readText(lfs, `file:${dir}/d/z.txt`)).to.equal('123');
      expect((await lfs.list(path.join(dir, 'd'))).map((s) => s.path)).to.deep.equal([path.join(dir, 'd', 'z.txt')]);
    });
  });
});
