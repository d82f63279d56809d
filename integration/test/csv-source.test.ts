import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  REPO_ROOT,
  describeRun,
  expectCleanFailure,
  expectJobsFinished,
  readPartFiles,
  removeDir,
  runCli,
  tempDir,
} from './cli-harness.js';

const JOB = path.join(REPO_ROOT, 'integration', 'test', 'jobs', 'csv-job.ts');
/** Lines of the input: about 10 MB, so that at parallelism 2 the bad lines lie in splits that start mid-file. */
const LINES = 400_000;

/** A header, then `id,name,amount` lines; `bad` maps line numbers (1-based, the header is line 1) to their text. */
function writeInput(file: string, bad: Map<number, string>): string[] {
  const good: string[] = [];
  const lines = ['id,name,amount'];
  for (let n = 2; n <= LINES; n++) {
    const replaced = bad.get(n);
    if (replaced !== undefined) lines.push(replaced);
    else {
      const line = `${n},customer-${(n * 7919) % 100_003},${n % 1000}`;
      lines.push(line);
      good.push(line);
    }
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return good;
}

describe('readCsvFile: malformed records (CLI)', function () {
  this.timeout(180_000);
  let work: string;

  before(() => {
    work = tempDir('csv');
  });
  after(() => removeDir(work));

  const run = (input: string, ...extra: string[]) => {
    const args = ['run', '--no-typecheck', '-p', '2', JOB, '--input', input, '--output', path.join(work, 'out'), ...extra];
    return { args, result: runCli(args, 120_000) };
  };

  it('a line with a wrong number of fields fails the job with the file, line and reason', async () => {
    const input = path.join(work, 'fields.csv');
    writeInput(input, new Map([[312_345, '312345,no-amount']]));
    const { args, result } = run(input);
    expectCleanFailure(args, await result, `${input} at line 312345`, 'expected 3 fields, found 2');
  });

  it('a line the parse function rejects fails the job with its message', async () => {
    const input = path.join(work, 'parse.csv');
    writeInput(input, new Map([[7, '7,seven,12x']]));
    const { args, result } = run(input);
    expectCleanFailure(args, await result, `${input} at line 7`, "amount '12x' is not an integer");
  });

  it('with skipMalformedLines the job finishes without them and counts them', async () => {
    const input = path.join(work, 'skip.csv');
    const good = writeInput(
      input,
      new Map([
        [3, '3,x'],
        [250_000, '250000,y,z'],
        [399_999, 'a,b,c,d'],
      ]),
    );
    const { args, result } = run(input, '--skip', 'true');
    const r = await result;
    expectJobsFinished(args, r);
    expect(r.stdout, describeRun(args, r)).to.match(/^- Source: Orders\.malformedLines: 3$/m);
    const lines = readPartFiles(path.join(work, 'out')).lines;
    expect(lines.length).to.equal(good.length);
    expect(lines.sort()).to.deep.equal(good.sort());
  });
});
