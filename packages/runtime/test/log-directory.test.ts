import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogDirectory, LogFileNotFoundError } from '../src/logs/log-directory.js';

describe('LogDirectory', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-logs-'));
    dir = path.join(root, 'log');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'spindle-taskmanager-0.log'), 'line 1\nline 2\n');
    fs.writeFileSync(path.join(dir, 'spindle-taskmanager-0.pid'), '123');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'not a log');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'link.log'));
    fs.mkdirSync(path.join(dir, 'sub'));
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists the regular files of the directory, not pid files, links or directories', async () => {
    const logs = await new LogDirectory(dir).list();
    expect(logs.map((l) => l.name)).to.deep.equal(['spindle-taskmanager-0.log']);
    expect(logs[0]!.size).to.equal(14);
    expect(await new LogDirectory(undefined).list()).to.deep.equal([]);
    expect(await new LogDirectory(path.join(root, 'missing')).list()).to.deep.equal([]);
  });

  it('reads parts of a log file', async () => {
    const logs = new LogDirectory(dir, 'spindle-taskmanager-0.log');
    const part = await logs.read('spindle-taskmanager-0.log', 7, 100);
    expect(Buffer.from(part.data).toString()).to.equal('line 2\n');
    expect(part.size).to.equal(14);
  });

  it('serves nothing outside the directory: .., separators, absolute paths, links, directories, pid files', async () => {
    const logs = new LogDirectory(dir);
    for (const name of [
      '..',
      '.',
      '../secret.txt',
      '/etc/passwd',
      'sub/../../secret.txt',
      'link.log',
      'sub',
      'x\0y',
      '',
      'spindle-taskmanager-0.pid',
      '..\\secret.txt',
      'missing.log',
    ]) {
      let error: unknown;
      await logs.read(name, 0, 10).catch((e: unknown) => (error = e));
      expect(error, name).to.be.instanceOf(LogFileNotFoundError);
    }
  });
});
