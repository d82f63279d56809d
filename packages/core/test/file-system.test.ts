import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import {
  FileAlreadyExistsError,
  FileNotFoundError,
  FileSystemError,
  LocalFileSystem,
  childPath,
  fileSystemFor,
  parseFsUri,
  registerFileSystem,
  type FileSystem,
} from '../src/index.js';

async function readAll(fs: FileSystem, p: string, options?: { offset?: number; length?: number }): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await fs.open(p, options)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function write(fs: FileSystem, p: string, text: string, overwrite = false): Promise<void> {
  const out = await fs.create(p, { overwrite });
  out.end(text);
  await finished(out);
}

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

  describe('LocalFileSystem', () => {
    const lfs = LocalFileSystem.INSTANCE;
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-fs-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('creates files with their parents, reads ranges, appends and truncates', async () => {
      const f = path.join(dir, 'a/b/c.txt');
      await write(lfs, f, 'hello world');
      expect(await readAll(lfs, f)).to.equal('hello world');
      expect(await readAll(lfs, f, { offset: 6 })).to.equal('world');
      expect(await readAll(lfs, f, { offset: 2, length: 3 })).to.equal('llo');
      expect(await readAll(lfs, f, { offset: 2, length: 0 })).to.equal('');
      const a = await lfs.append(f);
      a.end('!');
      await finished(a);
      expect(await readAll(lfs, f)).to.equal('hello world!');
      await lfs.truncate(f, 5);
      expect(await readAll(lfs, f)).to.equal('hello');
    });

    it('refuses to overwrite unless asked', async () => {
      const f = path.join(dir, 'x');
      await write(lfs, f, 'one');
      const e = await write(lfs, f, 'two').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(FileAlreadyExistsError);
      await write(lfs, f, 'two', true);
      expect(await readAll(lfs, f)).to.equal('two');
    });

    it('renames, refusing a missing source and an existing destination', async () => {
      await write(lfs, path.join(dir, 'a'), 'A');
      await write(lfs, path.join(dir, 'b'), 'B');
      await lfs.rename(path.join(dir, 'a'), path.join(dir, 'sub/c'));
      expect(await readAll(lfs, path.join(dir, 'sub/c'))).to.equal('A');
      const missing = await lfs.rename(path.join(dir, 'a'), path.join(dir, 'd')).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(FileNotFoundError);
      const exists = await lfs.rename(path.join(dir, 'b'), path.join(dir, 'sub/c')).catch((e: unknown) => e);
      expect(exists).to.be.instanceOf(FileAlreadyExistsError);
      expect(await readAll(lfs, path.join(dir, 'sub/c'))).to.equal('A');
    });

    it('lists, stats, makes and deletes directories', async () => {
      await lfs.mkdirs(path.join(dir, 'd/e'));
      await lfs.mkdirs(path.join(dir, 'd/e'));
      await write(lfs, `file://${dir}/d/z.txt`, '123');
      const entries = await lfs.list(path.join(dir, 'd'));
      expect(entries.map((s) => [s.name, s.isDirectory, s.length])).to.deep.equal([
        ['e', true, 0],
        ['z.txt', false, 3],
      ]);
      expect(await lfs.status(path.join(dir, 'nothing'))).to.equal(undefined);
      const notEmpty = await lfs.delete(path.join(dir, 'd')).catch((e: unknown) => e);
      expect((notEmpty as FileSystemError).kind).to.equal('directory-not-empty');
      expect(await lfs.delete(path.join(dir, 'd'), { recursive: true })).to.equal(true);
      expect(await lfs.delete(path.join(dir, 'd'), { recursive: true })).to.equal(false);
      const e = await lfs.list(path.join(dir, 'd')).catch((err: unknown) => err);
      expect(e).to.be.instanceOf(FileNotFoundError);
      expect((e as Error).message).to.contain(path.join(dir, 'd'));
    });

    it('maps a file used as a directory and a directory opened as a file', async () => {
      await write(lfs, path.join(dir, 'f'), 'x');
      const parent = await write(lfs, path.join(dir, 'f/g'), 'y').catch((e: unknown) => e);
      expect((parent as FileSystemError).kind).to.be.oneOf(['parent-not-directory', 'already-exists']);
      const isDir = await lfs.open(dir).catch((e: unknown) => e);
      expect((isDir as FileSystemError).kind).to.equal('is-a-directory');
    });
  });
});
