import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'chai';
import { REPO_ROOT, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const JOB = path.join(REPO_ROOT, 'integration', 'test', 'jobs', 'batch-scale-job.ts');
const MB = 1024 * 1024;
/** Size of the orders file; 200 MB by default, smaller for a quick local run. */
const ORDERS_MB = Number(process.env.SPINDLE_SCALE_TEST_MB ?? 200);
const CUSTOMERS = 400_000;
const MANAGED_MB = 16;
const RSS_ALLOWANCE_MB = 256;
const NATIONS = ['ALGERIA', 'BRAZIL', 'CANADA', 'EGYPT', 'FRANCE', 'GERMANY', 'INDIA', 'JAPAN', 'KENYA', 'PERU'];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'];

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

/**
 * `orderId,customerId,amount,comment` lines up to `bytes`, over customer ids 0..CUSTOMERS*1.1 (a
 * tenth of them without a customer), and `customerId,nation,segment` for ids 0..CUSTOMERS-1.
 * Written in chunks, so the test never holds a whole file.
 */
function writeInputs(dir: string, bytes: number): { orders: string; customers: string } {
  const next = random(11);
  const files = { orders: path.join(dir, 'orders.csv'), customers: path.join(dir, 'customers.csv') };
  const fd = fs.openSync(files.orders, 'w');
  let written = 0;
  for (let id = 0; written < bytes;) {
    let chunk = '';
    for (let i = 0; i < 20_000; i++, id++) {
      const comment = Math.floor(next() * 2 ** 52)
        .toString(36)
        .repeat(1 + Math.floor(next() * 4));
      chunk += `${id},${Math.floor(next() * CUSTOMERS * 1.1)},${Math.floor(next() * 100_000)},${comment}\n`;
    }
    written += fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  const customers: string[] = [];
  for (let id = 0; id < CUSTOMERS; id++) {
    customers.push(`${id},${NATIONS[Math.floor(next() * NATIONS.length)]},${SEGMENTS[Math.floor(next() * SEGMENTS.length)]}\n`);
  }
  fs.writeFileSync(files.customers, customers.join(''));
  return files;
}

/** The answer computed by DuckDB from the same files, one line per row as the job writes them. */
async function duckdbAnswer(files: { orders: string; customers: string }): Promise<{ totals: string[]; revenue: string[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const sql = await db.connect();
  try {
    const csv = (file: string, columns: string) =>
      `read_csv('${file}', columns = {${columns}}, header = false, auto_detect = false, quote = '', escape = '')`;
    await sql.run(
      `CREATE VIEW orders AS SELECT * FROM ${csv(files.orders, `'id': 'BIGINT', 'customer': 'BIGINT', 'amount': 'BIGINT', 'comment': 'VARCHAR'`)}`,
    );
    await sql.run(
      `CREATE VIEW customers AS SELECT * FROM ${csv(files.customers, `'id': 'BIGINT', 'nation': 'VARCHAR', 'segment': 'VARCHAR'`)}`,
    );
    const lines = async (query: string) => (await sql.runAndReadAll(query)).getRows().map((row) => String(row[0]));
    return {
      totals: await lines(`SELECT concat_ws(',', customer, count(*), sum(amount)) FROM orders GROUP BY customer`),
      revenue: await lines(
        `SELECT concat_ws(',', c.nation, c.segment, sum(o.amount), count(*)) FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.nation, c.segment`,
      ),
    };
  } finally {
    sql.closeSync();
  }
}

/** Resident memory of a process in MiB, from /proc/<pid>/status; undefined once it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples the resident memory of `pids` every 100 ms and keeps each one's peak. */
function sampleRss(pids: number[]): { stop(): Map<number, number> } {
  const peaks = new Map(pids.map((pid) => [pid, 0]));
  const sample = () => {
    for (const pid of pids) peaks.set(pid, Math.max(peaks.get(pid)!, rssMb(pid) ?? 0));
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** Files under `dir` (the TaskManagers may keep per-job directories there). */
function spillFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

const sortedLines = (dir: string) => readPartFiles(dir).lines.sort();

describe(`a BATCH job over ${ORDERS_MB} MB with ${MANAGED_MB} MB of managed memory per slot (session cluster, 2 TaskManager processes)`, function () {
  this.timeout(600_000);
  let cluster: SessionCluster | undefined;
  let spill: string;

  before(async () => {
    spill = tempDir('batch-scale-spill');
    cluster = await startSessionCluster('batch-scale', {
      taskManagers: 2,
      slotsPerTaskManager: 1,
      dynamic: [`-Dtaskmanager.memory.managed.size=${MANAGED_MB}mb`, `-Dio.tmp.dirs=${spill}`],
    });
  });

  after(async () => {
    await cluster?.stop();
    removeDir(spill);
  });

  it('equals DuckDB, spills, and keeps each TaskManager under its managed memory + 256 MB', async () => {
    const { dir, rest } = cluster!;
    const inputs = writeInputs(dir, ORDERS_MB * MB);
    const output = path.join(dir, 'out');
    const taskManagers = fs
      .readdirSync(path.join(dir, 'log'))
      .filter((f) => /^spindle-taskmanager-\d+\.pid$/.test(f))
      .map((f) => Number(fs.readFileSync(path.join(dir, 'log', f), 'utf8')));
    expect(taskManagers).to.have.length(2);

    const args = ['run', '--no-typecheck', '-m', rest, '-p', '2', '-Dexecution.runtime-mode=BATCH'];
    args.push(JOB, '--orders', inputs.orders, '--customers', inputs.customers, '--output', output);
    const rss = sampleRss(taskManagers);
    const r = await runCli(args, 580_000);
    const peaks = rss.stop();
    expectJobsFinished(args, r);
    console.log(`      (the job took ${r.ms} ms; TaskManager peak RSS ${[...peaks.values()].map((m) => m.toFixed(0)).join(', ')} MiB)`);

    const expected = await duckdbAnswer(inputs);
    expect(expected.revenue).to.have.length(NATIONS.length * SEGMENTS.length);
    expect(sortedLines(path.join(output, 'totals'))).to.deep.equal(expected.totals.sort());
    expect(sortedLines(path.join(output, 'revenue'))).to.deep.equal(expected.revenue.sort());

    const spilled = (operator: string) => Number(new RegExp(`^- ${operator}\\.spilledBytes: (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? 0);
    expect(spilled('Totals'), r.stdout).to.be.greaterThan(0);
    expect(spilled('Join'), r.stdout).to.be.greaterThan(0);
    expect(spillFiles(spill), 'spill files left behind').to.deep.equal([]);
    for (const [pid, peak] of peaks) {
      expect(peak, `TaskManager ${pid}: peak RSS ${peak.toFixed(0)} MiB`).to.be.below(MANAGED_MB + RSS_ALLOWANCE_MB);
    }
  });
});
