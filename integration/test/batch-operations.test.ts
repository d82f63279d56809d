import { execFileSync } from 'node:child_process';
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

const JOB = path.join(REPO_ROOT, 'integration', 'test', 'jobs', 'batch-operations-job.ts');
const MB = 1024 * 1024;

/** A deterministic pseudo-random sequence (xorshift), so a failing input can be rebuilt. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** `key,amount` lines (about `bytes` of them) over 60 000 keys, and `key,name` for about half of those keys and some others. */
function writeInputs(dir: string, bytes: number): { orders: string; customers: string } {
  const next = random(42);
  const key = (n: number) => `k${String(n).padStart(6, '0')}`;
  const orders: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = `${key(Math.floor(next() * 60_000))},${Math.floor(next() * 100_000)}`;
    orders.push(line);
    size += line.length + 1;
  }
  const customers: string[] = [];
  for (let n = 0; n < 90_000; n += 2) customers.push(`${key(n)},customer-${Math.floor(next() * 1e9).toString(36)}`);
  const files = { orders: path.join(dir, 'orders.csv'), customers: path.join(dir, 'customers.csv') };
  fs.writeFileSync(files.orders, orders.join('\n') + '\n');
  fs.writeFileSync(files.customers, customers.join('\n') + '\n');
  return files;
}

/** Runs a shell pipeline with the C locale (byte order), as the independent answer. */
function shell(script: string): string[] {
  const out = execFileSync('bash', ['-c', `set -o pipefail; ${script}`], {
    env: { ...process.env, LC_ALL: 'C' },
    maxBuffer: 512 * MB,
  }).toString('utf8');
  return out.split('\n').filter((l) => l !== '');
}

describe('batch operations larger than managed memory (CLI, BATCH)', function () {
  this.timeout(180_000);
  let work: string;
  let spill: string;
  let output: string;
  let inputs: { orders: string; customers: string };
  let stdout: string;

  before(async function () {
    work = tempDir('batch-ops');
    spill = path.join(work, 'spill');
    output = path.join(work, 'out');
    fs.mkdirSync(spill);
    inputs = writeInputs(work, 6 * MB);
    const args = [
      'run',
      '--no-typecheck',
      '-p',
      '2',
      '-Dexecution.runtime-mode=BATCH',
      '-Dtaskmanager.memory.managed.size=8mb',
      `-Dio.tmp.dirs=${spill}`,
      JOB,
      '--orders',
      inputs.orders,
      '--customers',
      inputs.customers,
      '--output',
      output,
    ];
    const r = await runCli(args, 170_000);
    expectJobsFinished(args, r);
    console.log(`      (the job took ${r.ms} ms)`);
    stdout = r.stdout;
    expect(fs.readdirSync(spill), `spill files left behind\n${describeRun(args, r)}`).to.deep.equal([]);
  });

  after(() => removeDir(work));

  const lines = (name: string) => readPartFiles(path.join(output, name)).lines;
  const sorted = (name: string) => shell(`sort ${path.join(output, name)}/part-*`);
  /** What an operator spilled, from the accumulators `spindle run` prints. */
  const spilledBytes = (operator: string) => Number(new RegExp(`^- ${operator}\\.spilledBytes: (\\d+)$`, 'm').exec(stdout)?.[1] ?? 0);

  it('sortPartition sorts 6 MB in well under 1 MB of managed memory like GNU sort, spilling', () => {
    expect(lines('sort')).to.deep.equal(shell(`sort ${inputs.orders}`));
    expect(spilledBytes('Sort')).to.be.greaterThan(4 * MB);
  });

  it('keyed reduce in BATCH spills and equals the per-key count and sum', () => {
    const expected = new Map<string, [number, number]>();
    for (const line of fs.readFileSync(inputs.orders, 'utf8').split('\n')) {
      if (line === '') continue;
      const [k, a] = line.split(',') as [string, string];
      const t = expected.get(k) ?? [0, 0];
      expected.set(k, [t[0] + 1, t[1] + Number(a)]);
    }
    const got = lines('totals').map((l) => l.split(' '));
    expect(new Map(got.map(([k, n, s]) => [k!, [Number(n), Number(s)]]))).to.deep.equal(expected);
    expect(got).to.have.length(expected.size);
    expect(spilledBytes('Totals')).to.be.greaterThan(0);
  });

  it('inner joins by every hint equal GNU join', () => {
    const expected = shell(`join -t, <(sort ${inputs.orders}) <(sort ${inputs.customers}) | sort`);
    expect(expected.length).to.be.greaterThan(100_000);
    for (const name of ['join-sm', 'join-hash', 'join-broadcast']) expect(sorted(name), name).to.deep.equal(expected);
    expect(spilledBytes('join-sm')).to.be.greaterThan(0);
  });

  it('left and full outer joins equal GNU join -a', () => {
    expect(sorted('left')).to.deep.equal(shell(`join -t, -a 1 <(sort ${inputs.orders}) <(sort ${inputs.customers}) | sort`));
    expect(sorted('full')).to.deep.equal(shell(`join -t, -a 1 -a 2 <(sort ${inputs.orders}) <(sort ${inputs.customers}) | sort`));
  });

  it('coGroup counts both inputs per key', () => {
    const orders = shell(`cut -d, -f1 ${inputs.orders} | sort | uniq -c`).map((l) => l.trim().split(' ').reverse() as [string, string]);
    const customers = shell(`cut -d, -f1 ${inputs.customers} | sort | uniq -c`).map(
      (l) => l.trim().split(' ').reverse() as [string, string],
    );
    const o = new Map(orders);
    const c = new Map(customers);
    const keys = [...new Set([...o.keys(), ...c.keys()])];
    const expected = keys.map((k) => `${k} ${o.get(k) ?? 0} ${c.get(k) ?? 0}`).sort();
    expect(sorted('cogroup')).to.deep.equal(expected);
  });

  it('distinct equals sort -u, first(100) gives 100 input lines', () => {
    expect(sorted('distinct')).to.deep.equal(shell(`cut -d, -f1 ${inputs.orders} | sort -u`));
    const first = lines('first');
    expect(first).to.have.length(100);
    const all = new Set(fs.readFileSync(inputs.orders, 'utf8').split('\n'));
    for (const l of first) expect(all.has(l), l).to.equal(true);
  });

  it('per-key reduce, mapPartition and aggregate over whole partitions', () => {
    const largest = shell(`sort -t, -k1,1 -k2,2n ${inputs.orders} | awk -F, '{m[$1]=$2} END {for (k in m) print k" "m[k]}' | sort`);
    expect(sorted('largest')).to.deep.equal(largest);
    const total = shell(`wc -l < ${inputs.orders}`)[0]!.trim();
    expect(lines('partition-counts').reduce((a, l) => a + Number(l), 0)).to.equal(Number(total));
    const sum = shell(`awk -F, '{s+=$2} END {printf "%.0f\\n", s}' ${inputs.orders}`)[0]!;
    expect(lines('partition-sums').reduce((a, l) => a + Number(l), 0)).to.equal(Number(sum));
  });

  it('a batch operation in STREAMING fails before it runs, naming the call and the fix', async () => {
    const args = ['run', '--no-typecheck', '-Dexecution.runtime-mode=STREAMING', JOB, '--orders', inputs.orders];
    args.push('--customers', inputs.customers, '--output', path.join(work, 'streaming'));
    const r = await runCli(args, 60_000);
    expectCleanFailure(args, r, 'fullWindowPartition().sortPartition()', 'execution.runtime-mode');
  });

  it('a spill directory that cannot be written fails the job, naming it (ENOSPC is simulated in the sorter unit tests)', async () => {
    // A directory inside a regular file can never be created (missing directories are created, as in Flink).
    const bad = path.join(inputs.orders, 'spill');
    const args = ['run', '--no-typecheck', '-Dexecution.runtime-mode=BATCH', '-Dtaskmanager.memory.managed.size=1mb'];
    args.push(`-Dio.tmp.dirs=${bad}`, JOB, '--orders', inputs.orders);
    args.push('--customers', inputs.customers, '--output', path.join(work, 'nodir'));
    const r = await runCli(args, 120_000);
    expect(r.code, describeRun(args, r)).to.not.equal(0);
    expect(r.stderr, describeRun(args, r)).to.include(bad).and.include('io.tmp.dirs');
  });
});
