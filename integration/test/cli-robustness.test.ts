import { expect } from 'chai';
import { describeRun, expectCleanFailure, runCli } from './cli-harness.js';

const ENDLESS = 'integration/fixtures/cluster-endless.ts';

describe('spindle: what exists never hangs, leaks or misleads', function () {
  this.timeout(90_000);

  describe('BATCH mode with an unbounded source', () => {
    it('is rejected when the job is built, with exit code 1 and no job submitted', async () => {
      const args = ['run', '--no-typecheck', '-Dexecution.runtime-mode=BATCH', ENDLESS];
      const r = await runCli(args, 40_000);
      expect(r.timedOut, describeRun(args, r)).to.equal(false);
      expectCleanFailure(args, r, 'UNBOUNDED source', "'execution.runtime-mode' set to 'BATCH'", 'STREAMING or AUTOMATIC');
      expect(r.stdout, describeRun(args, r)).to.not.include('Job has been submitted');
    });

    it('is rejected by `spindle info` too', async () => {
      const args = ['info', '--no-typecheck', '-Dexecution.runtime-mode=BATCH', ENDLESS];
      const r = await runCli(args, 40_000);
      expectCleanFailure(args, r, 'UNBOUNDED source');
    });

    it('still runs the same source in AUTOMATIC mode (as STREAMING) in the plan', async () => {
      const args = ['info', '--no-typecheck', ENDLESS];
      const r = await runCli(args, 40_000);
      expect(r.code, describeRun(args, r)).to.equal(0);
      expect(r.stdout).to.include('Data Generator');
    });
  });
});
