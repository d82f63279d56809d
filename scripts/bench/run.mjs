/**
 * Runs the benchmarks in scripts/bench/benchmarks/*.mjs, in name order.
 *
 *   node scripts/bench/run.mjs [--only name[,name...]] [--peers flink,spark|all|none] [--json file] [filter...]
 *
 * With filters, only benchmarks whose name contains one of them run; --peers
 * chooses the JVM systems run beside Spindle. Writes every benchmark's
 * figures to bench-data/bench-results.json (or --json file). Exits 1 if any
 * benchmark throws, 2 on bad usage. See README.md for the module contract.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuTimeSource } from './lib/measure.mjs';
import { parseOptions, USAGE } from './lib/options.mjs';
import { javaVersion, PeerBuilds } from './lib/peers.mjs';
import { ResultsFile } from './lib/results-file.mjs';
import { formatTable } from './lib/table.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const benchmarksDir = path.join(here, 'benchmarks');

async function main(argv) {
  const options = parseOptions(argv);
  if (options.error) {
    console.error(`${options.error}\n${USAGE}`);
    return 2;
  }
  const { filters } = options;
  const modules = await loadBenchmarks();
  const selected = modules.filter((module) => filters.length === 0 || filters.some((f) => module.name.includes(f)));
  if (selected.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}; available: ${modules.map((m) => m.name).join(', ')}`);
    return 2;
  }
  const dataDir = path.join(root, 'bench-data');
  const results = new ResultsFile(options.json ? path.resolve(options.json) : path.join(dataDir, 'bench-results.json'), root);
  results.setMachine(printMachine(options.peers));
  const peers = new PeerBuilds({ root, dataDir, log: (line) => console.log(line) });
  const failed = [];
  for (const benchmark of selected) {
    if (!(await runBenchmark(benchmark, context(dataDir, options.peers, peers, results)))) failed.push(benchmark.name);
  }
  if (failed.length > 0) console.log(`\nFAILED: ${failed.join(', ')}`);
  results.finish({ peers: peers.status(), failed, loadAfter: os.loadavg() });
  console.log(`\nresults: ${path.relative(process.cwd(), results.file) || results.file}`);
  return failed.length > 0 ? 1 : 0;
}

async function loadBenchmarks() {
  const files = fs
    .readdirSync(benchmarksDir)
    .filter((file) => file.endsWith('.mjs'))
    .sort();
  const modules = [];
  for (const file of files) {
    const module = await import(pathToFileURL(path.join(benchmarksDir, file)).href);
    const valid = typeof module.name === 'string' && typeof module.description === 'string' && typeof module.run === 'function';
    if (!valid) throw new Error(`benchmarks/${file} must export name, description and async run(ctx)`);
    modules.push(module);
  }
  return modules;
}

/** Prints the machine and returns it for the results file. */
function printMachine(selectedPeers) {
  const cpus = os.cpus();
  const source = { 'gnu-time': 'GNU time (/usr/bin/time)', 'proc-stat': '/proc/self/stat (cutime+cstime)' };
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    java: selectedPeers.length > 0 ? javaVersion() : null,
    kernel: `${os.platform()} ${os.arch()} ${os.release()}`,
    cpuTime: cpuTimeSource(),
    loadBefore: os.loadavg(),
  };
  console.log('Spindle benchmarks');
  console.log(`cpu:      ${machine.cpu}, ${machine.cores} cores`);
  console.log(`memory:   ${machine.memoryGiB} GiB`);
  console.log(`node:     ${process.version} (${os.platform()} ${os.arch()}, kernel ${os.release()})`);
  console.log(`java:     ${selectedPeers.length === 0 ? 'not used (--peers none)' : (machine.java ?? 'not found')}`);
  console.log(`peers:    ${selectedPeers.length > 0 ? selectedPeers.join(', ') : 'none'}`);
  console.log(`cpu time: ${source[machine.cpuTime] ?? 'not measured (no /usr/bin/time, no /proc)'}`);
  console.log(`load:     ${loadLine()}`);
  return machine;
}

function loadLine() {
  return `${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} (1, 5, 15 min averages on ${os.cpus().length} cores)`;
}

/** Runs one benchmark; false if it threw. */
async function runBenchmark(benchmark, ctx) {
  console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
  const started = process.hrtime.bigint();
  ctx.results.begin(benchmark.name);
  try {
    await benchmark.run(ctx);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.results.fail(benchmark.name, message);
    console.log(`${benchmark.name} FAILED: ${message}`);
    if (process.env.SPINDLE_BENCH_DEBUG && error instanceof Error) console.log(error.stack);
    return false;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`(${benchmark.name} took ${seconds.toFixed(1)} s)`);
  }
}

function context(dataDir, selectedPeers, peers, results) {
  const skipsNoted = new Set();
  return {
    root,
    get dataDir() {
      fs.mkdirSync(dataDir, { recursive: true });
      return dataDir;
    },
    log(line) {
      console.log(line);
    },
    result(rows) {
      console.log(`\n${formatTable(rows)}\n`);
      console.log(`load: ${loadLine()}`);
    },
    /** Whether the peer `name` was selected with --peers. */
    wantsPeer(name) {
      return selectedPeers.includes(name);
    },
    /** The built peer, or { skipped: reason } (not selected, no Java, no Maven, failed build). */
    peer(name) {
      const peer = selectedPeers.includes(name) ? peers.get(name) : { name, skipped: 'not selected (--peers)' };
      if (peer.skipped && !skipsNoted.has(name)) {
        skipsNoted.add(name);
        console.log(`note: peer ${name} skipped: ${peer.skipped}`);
      }
      return peer;
    },
    results: {
      begin: (name) => results.begin(name),
      fail: (name, message) => results.fail(name, message),
    },
    /** Adds figures to the current benchmark's entry in the results file. */
    record(data) {
      results.record(data);
    },
  };
}

process.exitCode = await main(process.argv.slice(2));
