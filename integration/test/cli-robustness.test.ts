import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  describeRun,
  expectCleanFailure,
  expectJobsFinished,
  readPartFiles,
  removeDir,
  runCli,
  tempDir,
  type CliResult,
} from './cli-harness.js';

const ENDLESS = 'integration/fixtures/cluster-endless.ts';
const WORD_COUNT = 'examples/word-count.ts';

/** Runs the CLI with extra environment variables (set only while the child is spawned). */
async function runCliWithEnv(env: Record<string, string>, args: string[], timeoutMs?: number): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli(args, timeoutMs);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A configuration directory holding `text` as its spindle-conf.yaml. */
function confDirWith(root: string, text: string): string {
  const dir = path.join(root, 'conf');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'spindle-conf.yaml'), text);
  return dir;
}

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

  describe('configuration problems are reported at once, from every source', () => {
    let root: string | undefined;
    afterEach(() => removeDir(root));

    it('reports an unknown conf file key together with a bad -D value', async () => {
      root = tempDir('conf-unknown');
      const confDir = confDirWith(root, 'paralelism.default: 2\n');
      const args = ['run', '--no-typecheck', '-Dparallelism.default=abc', WORD_COUNT];
      const r = await runCliWithEnv({ SPINDLE_CONF_DIR: confDir }, args);
      expectCleanFailure(
        args,
        r,
        "parallelism.default: 'abc' (from -D) is not an integer",
        "unknown configuration key 'paralelism.default'",
        "did you mean 'parallelism.default'",
      );
      expect(r.stdout, describeRun(args, r)).to.not.include('Job has been submitted');
    });

    it('knows the YARN keys in every command, before any YARN module is loaded (-D and the conf file)', async () => {
      root = tempDir('conf-yarn');
      const confDir = confDirWith(root, 'yarn.application-attempts: 3\n');
      const args = ['run', '--no-typecheck', '-Dyarn.tags=a,b', '-Djobmanager.memory.process.size=1g', WORD_COUNT];
      const r = await runCliWithEnv({ SPINDLE_CONF_DIR: confDir }, args);
      expectJobsFinished(args, r);
      expect(r.stderr, describeRun(args, r)).to.not.include('unknown configuration key');
    });

    it('reports a malformed -D, a bad -p, a bad environment variable and a YAML syntax error together', async () => {
      root = tempDir('conf-all');
      const confDir = confDirWith(root, 'parallelism.default: 2\nrest.port: [8081\n');
      const args = [
        'run',
        '--no-typecheck',
        '-p',
        'zero',
        '-Dtaskmanager.numberOfTaskSlots',
        '-Dtaskmanager.memory.segment-size=huge',
        WORD_COUNT,
      ];
      const r = await runCliWithEnv({ SPINDLE_CONF_DIR: confDir, SPINDLE_HEARTBEAT_TIMEOUT: 'soon' }, args);
      expectCleanFailure(
        args,
        r,
        'invalid YAML',
        "heartbeat.timeout: 'soon' (from SPINDLE_HEARTBEAT_TIMEOUT)",
        "invalid dynamic property 'taskmanager.numberOfTaskSlots'",
        "taskmanager.memory.segment-size: 'huge' (from -D)",
        "'zero' (from -p)",
      );
    });
  });

  describe('arguments after the job file belong to the job', () => {
    const ARGS = 'integration/fixtures/cli-args.ts';
    let out: string | undefined;
    afterEach(() => removeDir(out));

    const seenByJob = (dir: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, 'main-client.json'), 'utf8')) as { args: string[]; parallelism: number };

    it("passes a job's own -d <date> to the job instead of running detached", async () => {
      out = tempDir('args-d');
      const args = ['run', '--no-typecheck', ARGS, '-d', '2024-01-01', '--out', out];
      const r = await runCli(args);
      expect(r.code, describeRun(args, r)).to.equal(0);
      expect(seenByJob(out).args).to.deep.equal(['-d', '2024-01-01', '--out', out]);
    });

    it('warns about a near-miss of an engine option, naming the nearest one, and passes it to the job', async () => {
      out = tempDir('args-typo');
      const args = ['run', '--no-typecheck', ARGS, '--paralelism', '2', '--out', out];
      const r = await runCli(args);
      expect(r.code, describeRun(args, r)).to.equal(0);
      expect(r.stderr, describeRun(args, r)).to.match(/'--paralelism'.*--parallelism/);
      expect(seenByJob(out)).to.deep.equal({ args: ['--paralelism', '2', '--out', out], parallelism: 1 });
    });

    it('still takes the engine options the README allows right after the job file', async () => {
      out = tempDir('args-engine');
      const args = ['run', ARGS, '-p', '2', '-Dpipeline.name=Echo', '-t', 'local', '--no-typecheck', '--out', out];
      const r = await runCli(args);
      expect(r.code, describeRun(args, r)).to.equal(0);
      expect(seenByJob(out)).to.deep.equal({ args: ['--out', out], parallelism: 2 });
      expect(r.stderr, describeRun(args, r)).to.not.match(/did you mean/);
    });

    it('passes -m after the job file to the job, with a warning that it is not the engine option', async () => {
      out = tempDir('args-m');
      const args = ['run', '--no-typecheck', ARGS, '-m', 'localhost:1', '--out', out];
      const r = await runCli(args);
      expect(r.code, describeRun(args, r)).to.equal(0);
      expect(seenByJob(out).args).to.deep.equal(['-m', 'localhost:1', '--out', out]);
      expect(r.stderr, describeRun(args, r)).to.match(/'-m'.*passed to the job/);
    });
  });

  describe('writeAsText into a directory that holds part files', () => {
    const WRITE = 'integration/fixtures/cliux-write-text.ts';
    const numbers = Array.from({ length: 100 }, (_, i) => String(i + 1));
    let root: string | undefined;
    afterEach(() => removeDir(root));

    /** An output directory with the part files of an earlier run at parallelism 4. */
    function leftoversOfP4(): string {
      root = tempDir('sink');
      const dir = path.join(root, 'out');
      fs.mkdirSync(dir);
      for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `part-${i}-0`), `old-${i}\n`);
      return dir;
    }

    it('fails with a clear message and leaves the old parts alone unless asked to overwrite', async () => {
      const dir = leftoversOfP4();
      const args = ['run', '--no-typecheck', '-p', '1', WRITE, '--output', dir];
      const r = await runCli(args);
      expectCleanFailure(args, r, dir, 'part-3-0', 'NO_OVERWRITE', 'FileSystem.WriteMode.OVERWRITE');
      expect(r.stdout, describeRun(args, r)).to.not.include('Job has been submitted');
      expect(readPartFiles(dir)).to.deep.equal({
        files: ['part-0-0', 'part-1-0', 'part-2-0', 'part-3-0'],
        lines: ['old-0', 'old-1', 'old-2', 'old-3'],
      });
    });

    for (const p of [1, 3]) {
      it(`with OVERWRITE at parallelism ${p}, replaces the parts of a parallelism-4 run by its own only`, async () => {
        const dir = leftoversOfP4();
        fs.writeFileSync(path.join(dir, 'notes.txt'), 'kept\n');
        const args = ['run', '--no-typecheck', '-p', String(p), WRITE, '--output', dir, '--overwrite'];
        const r = await runCli(args);
        expectJobsFinished(args, r);
        const { files, lines } = readPartFiles(dir);
        expect(files).to.deep.equal(Array.from({ length: p }, (_, i) => `part-${i}-0`));
        expect(lines.sort((a, b) => Number(a) - Number(b))).to.deep.equal(numbers);
        expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).to.equal('kept\n');
      });
    }

    it('writes into an existing directory without part files', async () => {
      root = tempDir('sink-empty');
      const dir = path.join(root, 'out');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, '_README'), 'mine\n');
      const args = ['run', '--no-typecheck', '-p', '2', WRITE, '--output', dir];
      const r = await runCli(args);
      expectJobsFinished(args, r);
      expect(readPartFiles(dir).files).to.deep.equal(['part-0-0', 'part-1-0']);
      expect(fs.readFileSync(path.join(dir, '_README'), 'utf8')).to.equal('mine\n');
    });
  });

  describe("the terminal shows Flink's lines, the job's output and clean errors; logs go to the log", () => {
    const LOG_LINE = /^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR) /m;
    let logDir: string | undefined;
    afterEach(() => removeDir(logDir));

    const clientLog = (dir: string): string => {
      const logs = fs.readdirSync(dir).filter((f) => /^spindle-.+-client-.+\.log$/.test(f));
      expect(logs, `log files in ${dir}`).to.have.length(1);
      return fs.readFileSync(path.join(dir, logs[0]!), 'utf8');
    };

    it('keeps runtime log lines off the terminal and writes them to the client log in env.log.dir', async () => {
      logDir = tempDir('log');
      const args = ['run', '--no-typecheck', `-Denv.log.dir=${logDir}`, WORD_COUNT];
      const r = await runCli(args);
      expectJobsFinished(args, r);
      expect(r.stderr, describeRun(args, r)).to.not.match(LOG_LINE);
      expect(r.stdout, describeRun(args, r)).to.not.match(LOG_LINE);
      expect(r.stdout, 'the counts printed by the job').to.match(/^\S+ \d+$/m);
      expect(clientLog(logDir)).to.match(/INFO {2}dispatcher job submitted/);
    });

    for (const position of ['before', 'after'] as const) {
      for (const flag of [['--log-level', 'debug'], ['-v']]) {
        it(`shows the log on stderr with ${flag.join(' ')} ${position} the subcommand`, async () => {
          logDir = tempDir('log-shown');
          const run = ['run', '--no-typecheck', `-Denv.log.dir=${logDir}`, WORD_COUNT];
          const args = position === 'before' ? [...flag, ...run] : [run[0]!, ...flag, ...run.slice(1)];
          const r = await runCli(args);
          expectJobsFinished(args, r);
          expect(r.stderr, describeRun(args, r)).to.match(/INFO {2}dispatcher job submitted/);
          if (flag[0] === '--log-level') expect(clientLog(logDir)).to.match(/DEBUG /);
        });
      }
    }

    it('prints the version for -v alone and for --version', async () => {
      for (const args of [['-v'], ['--version']]) {
        const r = await runCli(args);
        expect(r.code, describeRun(args, r)).to.equal(0);
        expect(r.stdout.trim(), describeRun(args, r)).to.match(/^\d+\.\d+\.\d+/);
      }
    });

    it('still shows configuration warnings on the terminal', async () => {
      logDir = tempDir('log-warn');
      const confDir = confDirWith(logDir, 'paralelism.default: 2\n');
      const args = ['run', '--no-typecheck', `-Denv.log.dir=${logDir}`, WORD_COUNT];
      const r = await runCliWithEnv({ SPINDLE_CONF_DIR: confDir }, args);
      expectJobsFinished(args, r);
      expect(r.stderr, describeRun(args, r)).to.include("unknown configuration key 'paralelism.default'");
      expect(r.stderr, describeRun(args, r)).to.not.match(LOG_LINE);
    });
  });
});
