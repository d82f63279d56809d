import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFileSystem } from '@spindle/core';
import { commitPart, partFileNames } from '../src/sinks/part-files.js';

describe('text sink part files: pending until every subtask is done', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-parts-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const inProgress = (i: number) => fs.writeFileSync(path.join(dir, partFileNames(i).inProgress), `part ${i}\n`);
  const names = () => fs.readdirSync(dir).sort();

  it('keeps the parts pending while a subtask has not finished, as after a failure', async () => {
    for (let i = 0; i < 4; i++) inProgress(i);
    for (const i of [0, 2, 3]) await commitPart(LocalFileSystem.INSTANCE, dir, i, 4);
    expect(names()).to.deep.equal(['.part-0-0.pending', '.part-1-0.inprogress', '.part-2-0.pending', '.part-3-0.pending']);
    await commitPart(LocalFileSystem.INSTANCE, dir, 1, 4);
    expect(names()).to.deep.equal(['part-0-0', 'part-1-0', 'part-2-0', 'part-3-0']);
    expect(fs.readFileSync(path.join(dir, 'part-1-0'), 'utf8')).to.equal('part 1\n');
  });

  it('commits once when the subtasks finish at the same time', async () => {
    for (let round = 0; round < 20; round++) {
      for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n));
      for (let i = 0; i < 4; i++) inProgress(i);
      await Promise.all([0, 1, 2, 3].map((i) => commitPart(LocalFileSystem.INSTANCE, dir, i, 4)));
      expect(names()).to.deep.equal(['part-0-0', 'part-1-0', 'part-2-0', 'part-3-0']);
    }
  });

  it('replaces the pending file of an earlier attempt', async () => {
    fs.writeFileSync(path.join(dir, partFileNames(0).pending), 'old\n');
    inProgress(0);
    await commitPart(LocalFileSystem.INSTANCE, dir, 0, 1);
    expect(names()).to.deep.equal(['part-0-0']);
    expect(fs.readFileSync(path.join(dir, 'part-0-0'), 'utf8')).to.equal('part 0\n');
  });
});
