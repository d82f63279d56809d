import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Configuration, configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { MiniCluster } from '@spindle/runtime';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = path.join(ROOT, 'packages', 'cli', 'bin', 'spindle.js');
const FIXTURES = path.join(ROOT, 'integration', 'fixtures');

function spindle(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectNoStackTrace(stderr: string): void {
  const frames = stderr.split('\n').filter((l) => /^\s+at /.test(l));
  expect(frames.length, stderr).to.be.at.most(1);
}

/** README files of installed packages: real text no test wrote. */
function realText(dir: string): string {
  const files: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.name === 'README.md') files.push(p);
    }
  };
  walk(path.join(ROOT, 'node_modules'), 0);
  let text = '';
  for (const f of files.sort()) {
    if (text.length > 1_500_000) break;
    text += fs.readFileSync(f, 'utf8') + '\n';
  }
  fs.writeFileSync(path.join(dir, 'input.txt'), text);
  return path.join(dir, 'input.txt');
}

function expectedCounts(input: string): Map<string, number> {
  const out = execFileSync('sh', ['-c', `tr -s '[:space:]' '\\n' < '${input}' | grep -v '^$' | sort | uniq -c`], {
    env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20, encoding: 'utf8',
  });
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+) (.*)$/.exec(line);
    if (m) counts.set(m[2]!, Number(m[1]));
  }
  return counts;
}

function readCounts(dir: string): Array<[string, number]> {
  const pairs: Array<[string, number]> = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('part-'))) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (line === '') continue;
      const i = line.lastIndexOf(' ');
      pairs.push([line.slice(0, i), Number(line.slice(i + 1))]);
    }
  }
  return pairs;
}

describe('spindle run: WordCount against tr | sort | uniq -c', function () {
  this.timeout(240_000);
  let dir: string;
  let input: string;
  let expected: Map<string, number>;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-wc-'));
    input = realText(dir);
    expected = expectedCounts(input);
    expect(expected.size).to.be.greaterThan(1000);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    for (const p of [1, 2]) {
      it(`counts every word exactly at p=${p} in ${mode}`, () => {
        const out = path.join(dir, `out-${mode}-${p}`);
        const r = spindle('run', '--no-typecheck', 'examples/word-count.ts', '-p', String(p), `-Dexecution.runtime-mode=${mode}`, '--input', input, '--output', out);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(/Job has been submitted with JobID [0-9a-f]{32}/);
        expect(r.stdout).to.match(/Job with JobID [0-9a-f]{32} has finished\./);
        const got = new Map<string, number>();
        const pairs = readCounts(out);
        for (const [w, c] of pairs) got.set(w, Math.max(got.get(w) ?? 0, c));
        if (mode === 'BATCH') expect(pairs.length).to.equal(expected.size);
        expect(got.size).to.equal(expected.size);
        for (const [w, c] of expected) expect(got.get(w), w).to.equal(c);
      });
    }
  }
});

describe('slot sharing on an embedded cluster of two TaskExecutors with two slots each', function () {
  this.timeout(60_000);
  before(() => configureLogging({ level: 'warn' }));


  it('runs a job of parallelism 4 in exactly 4 slots, one subtask index per slot', async () => {
    const cluster = new MiniCluster({ config: new Configuration(), numTaskManagers: 2, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const env = StreamExecutionEnvironment.createLocalEnvironment(4).setRuntimeMode('BATCH');
      env.fromSequence(1, 10_000).map((x) => [x % 10, x] as [number, number]).keyBy(0).sum(1).print();
      const request = env.prepare('slots');
      const result = await cluster.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
      expect(result.status).to.equal('FINISHED');
      const executions = cluster.dispatcher.jobMaster(request.jobGraph.jobId)!.graph.executions;
      const slots = new Set(executions.map((e) => e.slot!.allocationId));
      expect(slots.size).to.equal(4);
      for (const te of cluster.taskExecutors) {
        const onTe = new Set(executions.filter((e) => e.slot!.resourceId === te.resourceId).map((e) => e.slot!.allocationId));
        expect(onTe.size).to.equal(2);
      }
      for (const e of executions) {
        const sameIndex = executions.filter((o) => o.subtaskIndex === e.subtaskIndex);
        expect(new Set(sameIndex.map((o) => o.slot!.allocationId)).size).to.equal(1);
      }
    } finally {
      await cluster.close();
    }
  });

  it('fails a job that needs more slots than exist with a clear message', async () => {
    const cluster = new MiniCluster({ config: new Configuration({ 'slot.request.timeout': '300 ms' }), numTaskManagers: 2, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    try {
      const env = StreamExecutionEnvironment.createLocalEnvironment(5);
      env.fromSequence(1, 100).print();
      const request = env.prepare('too big');
      const result = await cluster.executeJob(request.jobGraph, { bundlePath: '', args: [] }, request.program);
      expect(result.status).to.equal('FAILED');
      expect(result.failure!.code).to.equal('NO_RESOURCE_AVAILABLE');
      expect(result.failure!.message).to.match(/needs 5 slots/);
    } finally {
      await cluster.close();
    }
  });

  it('the sums computed on the shared slots are right', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(4).setRuntimeMode('BATCH');
    const out = await env.fromSequence(1, 10_000).map((x) => [x % 10, x] as [number, number]).keyBy(0).sum(1).executeAndCollect();
    const expected = new Map<number, number>();
    for (let x = 1; x <= 10_000; x++) expected.set(x % 10, (expected.get(x % 10) ?? 0) + x);
    expect(new Map(out)).to.deep.equal(expected);
  });
});

describe('spindle run: bad input', function () {
  this.timeout(120_000);

  const cases: Array<{ name: string; args: string[]; message: RegExp }> = [
    { name: 'a missing job file', args: ['run', 'no/such/job.ts'], message: /Job file not found: no\/such\/job\.ts/ },
    { name: 'a type error (file:line)', args: ['run', 'integration/fixtures/e2e-type-error.ts'], message: /integration\/fixtures\/e2e-type-error\.ts:4:7 - error TS2322/ },
    { name: 'a syntax error (file:line)', args: ['run', '--no-typecheck', 'integration/fixtures/e2e-syntax-error.ts'], message: /e2e-syntax-error\.ts:2:\d+/ },
    { name: 'an exception in a user function (operator and subtask)', args: ['run', '--no-typecheck', 'integration/fixtures/e2e-throws.ts'], message: /Exploder \(1\/1\) failed: Error: boom on record 2[\s\S]*at integration\/fixtures\/e2e-throws\.ts:8/ },
    { name: 'a program that never calls execute()', args: ['run', '--no-typecheck', 'integration/fixtures/e2e-no-execute.ts'], message: /didn't contain a Spindle job[\s\S]*execute\(\)/ },
    { name: 'an unknown -D key', args: ['run', '-Dparallelism.defualt=2', 'examples/word-count.ts'], message: /unknown configuration key 'parallelism\.defualt'.*did you mean 'parallelism\.default'/ },
    { name: 'a bad -D value', args: ['run', '-Dexecution.runtime-mode=FAST', 'examples/word-count.ts'], message: /execution\.runtime-mode.*FAST.*STREAMING, BATCH, AUTOMATIC/ },
    { name: 'a bad -p value', args: ['run', 'examples/word-count.ts', '-p', '0'], message: /parallelism must be a positive integer/ },
    { name: 'an unsupported target', args: ['run', '-t', 'yarn-session', 'examples/word-count.ts'], message: /target 'yarn-session'/ },
    { name: 'a graph that differs between client and workers', args: ['run', '--no-typecheck', 'integration/fixtures/e2e-nondeterministic.ts'], message: /different dataflow graph/ },
  ];

  for (const c of cases) {
    it(`rejects ${c.name} with exit code 1 and a short message`, () => {
      const r = spindle(...c.args);
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      expect(r.stderr).to.match(c.message);
      expectNoStackTrace(r.stderr);
    });
  }
});
