import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DirectoryJarRunner, JarNotFoundError, safeFileName, type JarRunRequest, type UploadedJar } from '../src/index.js';

describe('DirectoryJarRunner', () => {
  let dir: string;
  let launched: Array<{ jar: UploadedJar; request: JarRunRequest }>;
  let runner: DirectoryJarRunner;

  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-jars-')), 'uploads');
    launched = [];
    runner = new DirectoryJarRunner(dir, async (jar, request) => {
      launched.push({ jar, request });
      return 'f'.repeat(32);
    });
  });

  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('stores uploads as <uuid>_<name>, lists, runs and deletes them', async () => {
    const jar = await runner.upload('word-count.js', Buffer.from('main()'));
    expect(jar.id).to.match(/^[0-9a-f-]{36}_word-count\.js$/);
    expect(jar.path).to.equal(path.join(dir, jar.id));
    expect(fs.readFileSync(jar.path, 'utf8')).to.equal('main()');
    expect((await runner.list()).map((j) => [j.id, j.name])).to.deep.equal([[jar.id, 'word-count.js']]);

    const request: JarRunRequest = { programArgs: ['--x'], flinkConfiguration: {} };
    expect(await runner.run(jar.id, request)).to.equal('f'.repeat(32));
    expect(launched).to.have.length(1);
    expect(launched[0]!.jar.path).to.equal(jar.path);

    await runner.delete(jar.id);
    expect(fs.existsSync(jar.path)).to.equal(false);
    expect(await runner.list()).to.deep.equal([]);
  });

  it('lists nothing before the first upload', async () => {
    expect(await runner.list()).to.deep.equal([]);
  });

  it('rejects unknown ids and ids that are paths', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(path.dirname(dir), 'outside.js'), 'secret');
    for (const id of ['nothing.js', '../outside.js', '..', 'a/b']) {
      let error: unknown;
      await runner.run(id, { programArgs: [], flinkConfiguration: {} }).catch((e: unknown) => (error = e));
      expect(error, id).to.be.instanceOf(JarNotFoundError);
      error = undefined;
      await runner.delete(id).catch((e: unknown) => (error = e));
      expect(error, id).to.be.instanceOf(JarNotFoundError);
    }
    expect(fs.existsSync(path.join(path.dirname(dir), 'outside.js'))).to.equal(true);
    expect(launched).to.deep.equal([]);
  });

  it('keeps only the base name of uploaded file names', () => {
    expect(safeFileName('/etc/passwd')).to.equal('passwd');
    expect(safeFileName('C:\\jobs\\wc.js')).to.equal('wc.js');
    expect(safeFileName('../..')).to.equal('upload');
    expect(safeFileName('a\u0000b.js')).to.equal('ab.js');
  });
});
