import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { engineArchive, oozieChildTags, OOZIE_ACTION_CONF_ENV } from '../src/index.js';

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/**
 * An installation like the monorepo's: workspace packages linked from node_modules/@spindle,
 * a hoisted dependency, an unhoisted one, a devDependency and a client-only package.
 */
function installation(root: string): string {
  const pkg = (dir: string, manifest: object) => write(path.join(dir, 'package.json'), JSON.stringify(manifest));
  pkg(path.join(root, 'packages', 'cli'), {
    name: '@spindle/cli',
    files: ['dist/src', 'bin'],
    dependencies: { '@spindle/core': '0.1.0', typescript: '*', commander: '*' },
    devDependencies: { mocha: '*' },
  });
  write(path.join(root, 'packages', 'cli', 'bin', 'spindle.js'), '// launcher');
  write(path.join(root, 'packages', 'cli', 'dist', 'src', 'main.js'), '// main');
  write(path.join(root, 'packages', 'cli', 'dist', 'test', 'main.test.js'), '// not shipped');
  write(path.join(root, 'packages', 'cli', 'src', 'main.ts'), '// not shipped');
  pkg(path.join(root, 'packages', 'core'), { name: '@spindle/core', files: ['dist/src'], dependencies: { yaml: '*' } });
  write(path.join(root, 'packages', 'core', 'dist', 'src', 'index.js'), '// core');
  pkg(path.join(root, 'packages', 'core', 'node_modules', 'yaml'), { name: 'yaml' });
  write(path.join(root, 'packages', 'core', 'node_modules', 'yaml', 'index.js'), '// yaml 2');
  const nm = path.join(root, 'node_modules');
  fs.mkdirSync(path.join(nm, '@spindle'), { recursive: true });
  fs.symlinkSync('../../packages/cli', path.join(nm, '@spindle', 'cli'));
  fs.symlinkSync('../../packages/core', path.join(nm, '@spindle', 'core'));
  pkg(path.join(nm, 'commander'), { name: 'commander' });
  write(path.join(nm, 'commander', 'index.js'), '// commander');
  pkg(path.join(nm, 'yaml'), { name: 'yaml' });
  pkg(path.join(nm, 'typescript'), { name: 'typescript' });
  pkg(path.join(nm, 'mocha'), { name: 'mocha' });
  return nm;
}

describe('engine archive', () => {
  let dir: string;
  let saved: string | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-engine-archive-'));
    saved = process.env['XDG_CACHE_HOME'];
    process.env['XDG_CACHE_HOME'] = path.join(dir, 'cache');
  });

  afterEach(() => {
    if (saved === undefined) delete process.env['XDG_CACHE_HOME'];
    else process.env['XDG_CACHE_HOME'] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs the runtime closure as node resolves it, published files only, once per content', async () => {
    const nm = installation(path.join(dir, 'install'));
    const first = await engineArchive(nm);
    expect(path.dirname(first.file)).to.equal(path.join(dir, 'cache', 'spindle'));
    expect(path.basename(first.file)).to.match(/^spindle-engine-[0-9a-f]{20}\.tar\.gz$/);
    const listing = execFileSync('tar', ['-tzf', first.file], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith('/'))
      .map((l) => l.replace(/^\.\//, ''))
      .sort();
    expect(listing).to.deep.equal([
      'node_modules/@spindle/cli/bin/spindle.js',
      'node_modules/@spindle/cli/dist/src/main.js',
      'node_modules/@spindle/cli/package.json',
      'node_modules/@spindle/core/dist/src/index.js',
      'node_modules/@spindle/core/node_modules/yaml/index.js',
      'node_modules/@spindle/core/node_modules/yaml/package.json',
      'node_modules/@spindle/core/package.json',
      'node_modules/commander/index.js',
      'node_modules/commander/package.json',
    ]);
    const mtime = fs.statSync(first.file).mtimeMs;
    const again = await engineArchive(nm);
    expect(again).to.deep.equal(first);
    expect(fs.statSync(again.file).mtimeMs, 'the cached archive is reused').to.equal(mtime);
    write(path.join(dir, 'install', 'packages', 'core', 'dist', 'src', 'index.js'), '// core, rebuilt and longer');
    const rebuilt = await engineArchive(nm);
    expect(rebuilt.key).to.not.equal(first.key);
  });

  it('names a missing runtime dependency', async () => {
    const nm = installation(path.join(dir, 'install'));
    fs.rmSync(path.join(nm, 'commander'), { recursive: true });
    const err = await engineArchive(nm).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/the package commander \(needed by .*packages\/cli\) is not installed/);
  });
});

describe('Oozie child tags', () => {
  it('reads oozie.child.mapreduce.job.tags from OOZIE_ACTION_CONF_XML, none outside Oozie', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-oozie-'));
    try {
      const file = path.join(dir, 'action.xml');
      fs.writeFileSync(
        file,
        '<configuration><property><name>oozie.child.mapreduce.job.tags</name><value>oozie-abc, oozie-def</value></property></configuration>',
      );
      expect(oozieChildTags({ [OOZIE_ACTION_CONF_ENV]: file })).to.deep.equal(['oozie-abc', 'oozie-def']);
      expect(oozieChildTags({})).to.deep.equal([]);
      expect(() => oozieChildTags({ [OOZIE_ACTION_CONF_ENV]: path.join(dir, 'missing.xml') })).to.throw(
        /Cannot read the Oozie action configuration/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
