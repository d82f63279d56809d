import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, describeRun, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { buildInput, countsByWord, expectFinalCounts, shellCounts } from './word-count-check.js';

const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');

describe('word count on real text (CLI)', function () {
  this.timeout(120_000);
  let work: string;
  let inputFile: string;
  let expected: Map<string, number>;

  before(async function () {
    work = tempDir('wordcount');
    inputFile = path.join(work, 'readmes.txt');
    const input = buildInput();
    expect(input.length, 'README.md files found under node_modules').to.be.greaterThan(100_000);
    fs.writeFileSync(inputFile, input);
    expected = await shellCounts(inputFile);
    expect(expected.size).to.be.greaterThan(1000);
  });

  after(() => removeDir(work));

  async function runWordCount(input: string, parallelism: number, mode: 'STREAMING' | 'BATCH'): Promise<Map<string, number[]>> {
    const output = path.join(work, `out-${mode}-p${parallelism}-${path.basename(input)}`);
    const args = [
      'run',
      '--no-typecheck',
      '-p',
      String(parallelism),
      `-Dexecution.runtime-mode=${mode}`,
      WORD_COUNT,
      '--input',
      input,
      '--output',
      output,
    ];
    const r = await runCli(args, 90_000);
    expectJobsFinished(args, r);
    const { files, lines } = readPartFiles(output);
    expect(files, describeRun(args, r)).to.have.lengthOf.above(0);
    for (const f of files) expect(f).to.match(new RegExp(`^part-[0-${parallelism - 1}]-0$`));
    return countsByWord(lines);
  }

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    for (const parallelism of [1, 2]) {
      it(`counts every word like coreutils in ${mode} mode at parallelism ${parallelism}`, async function () {
        expectFinalCounts(expected, await runWordCount(inputFile, parallelism, mode), mode);
      });
    }
  }

  it('reads every file of an input directory (3 files, parallelism 2, BATCH)', async function () {
    const dir = path.join(work, 'split-input');
    fs.mkdirSync(dir);
    const input = fs.readFileSync(inputFile);
    let start = 0;
    for (let i = 1; i <= 3; i++) {
      let end = i === 3 ? input.length : input.indexOf(0x0a, Math.floor((input.length * i) / 3)) + 1;
      if (end <= 0) end = input.length;
      fs.writeFileSync(path.join(dir, `readmes-${i}.txt`), input.subarray(start, end));
      start = end;
    }
    expect(
      fs
        .readdirSync(dir)
        .map((f) => fs.statSync(path.join(dir, f)).size)
        .every((s) => s > 0),
    ).to.equal(true);
    expectFinalCounts(expected, await runWordCount(dir, 2, 'BATCH'), 'BATCH');
  });
});
