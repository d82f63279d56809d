import { expect } from 'chai';
import { describeRun, expectCleanFailure, runCli, type CliResult } from './cli-harness.js';

const WORD_COUNT = 'examples/word-count.ts';

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function expectRejected(args: string[], ...needles: Array<string | RegExp>): Promise<CliResult> {
  const r = await runCli(args);
  expectCleanFailure(args, r, ...needles);
  return r;
}

/** The run stopped before any job was submitted. */
function expectNoJob(r: CliResult): void {
  expect(r.stdout, r.stdout).to.not.include('Job has been submitted');
}

describe('spindle run: bad input fails with exit code 1 and a short message', function () {
  this.timeout(60_000);

  it('names a job file that does not exist', async () => {
    const r = await expectRejected(
      ['run', '--no-typecheck', 'integration/fixtures/no-such-job.ts'],
      'Job file not found',
      'no-such-job.ts',
    );
    expectNoJob(r);
  });

  it('reports a type error with file:line:column and the TypeScript code', async () => {
    const file = 'integration/fixtures/cli-type-error.ts';
    const r = await expectRejected(['run', file], `${file}:5:9`, 'TS2322', /Type 'string' is not assignable to type 'number'/);
    expectNoJob(r);
  });

  it('reports a syntax error with file:line, with and without type checking', async () => {
    const file = 'integration/fixtures/cli-syntax-error.ts';
    const checked = await expectRejected(['run', file], new RegExp(`${literal(file)}:5(:\\d+)?`));
    expectNoJob(checked);
    const bundled = await expectRejected(['run', '--no-typecheck', file], new RegExp(`${literal(file)}:5(:\\d+)?`));
    expectNoJob(bundled);
  });

  it('names the operator, the subtask and the cause when a user function throws', async () => {
    const file = 'integration/fixtures/cli-exploder.ts';
    const args = ['run', '--no-typecheck', '-p', '1', file];
    const r = await expectRejected(args, 'Exploder', '(1/1)', 'boom');
    expect(r.stdout, describeRun(args, r)).to.match(/^Job has been submitted with JobID [0-9a-f]{32}$/m);
    expect(r.stdout, describeRun(args, r)).to.not.include('has finished');
    const location = r.stderr.split('\n').find((line) => line.startsWith('    at '));
    expect(location, r.stderr).to.match(/cli-exploder\.ts:8:\d+$/);
  });

  it('explains that the program never called execute()', async () => {
    const r = await expectRejected(['run', '--no-typecheck', 'integration/fixtures/cli-no-execute.ts'], 'execute()');
    expectNoJob(r);
  });

  it('names an unknown -D key and suggests the known one', async () => {
    const r = await expectRejected(
      ['run', '--no-typecheck', '-Dparallelism.defualt=2', WORD_COUNT],
      'parallelism.defualt',
      "did you mean 'parallelism.default'",
    );
    expectNoJob(r);
  });

  it('names a bad -D value and a bad -p value', async () => {
    const badD = await expectRejected(
      ['run', '--no-typecheck', '-D', 'parallelism.default=abc', WORD_COUNT],
      'parallelism.default',
      "'abc'",
    );
    expectNoJob(badD);
    const badP = await expectRejected(['run', '--no-typecheck', '-p', '0', WORD_COUNT], /-p|parallelism/, "'0'");
    expectNoJob(badP);
  });

  it('fails a job that needs more slots than the embedded cluster has, naming the shortage', async () => {
    const args = [
      'run',
      '--no-typecheck',
      '-p',
      '3',
      '-Dtaskmanager.numberOfTaskSlots=1',
      '-Dminicluster.number-of-taskmanagers=2',
      '-Dslot.request.timeout=500 ms',
      WORD_COUNT,
    ];
    const r = await expectRejected(args, 'needs 3 slots', 'taskmanager.numberOfTaskSlots');
    expect(r.stdout, describeRun(args, r)).to.not.include('has finished');
  });

  it('rejects an unsupported target', async () => {
    const r = await expectRejected(['run', '--no-typecheck', '-t', 'yarn-session', WORD_COUNT], 'yarn-session');
    expectNoJob(r);
  });
});

describe('spindle cluster start: a JobManager that cannot start', function () {
  this.timeout(60_000);

  it('reports the cause from its log and exits 1', async () => {
    const net = await import('node:net');
    const { tempDir, removeDir } = await import('./cli-harness.js');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    const dir = tempDir('start-fail');
    try {
      const args = [
        'cluster',
        'start',
        `-Djobmanager.rpc.port=${port}`,
        '-Drest.port=0',
        `-Denv.log.dir=${dir}`,
        '-Dstandalone.number-of-taskmanagers=0',
      ];
      await expectRejected(args, 'The JobManager exited during start-up', `127.0.0.1:${port}`, 'in use');
    } finally {
      blocker.close();
      removeDir(dir);
    }
  });
});
