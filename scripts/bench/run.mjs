/**
 * Runs the benchmarks in scripts/bench/benchmarks/*.mjs, in name order.
 *
 *   node scripts/bench/run.mjs [filter...]
 *
 * With filters, only benchmarks whose name contains one of them run. Exits
 * 1 if any benchmark throws, 2 on bad usage. See README.md for the module
 * contract.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuTimeSource } from './lib/measure.mjs';
import { formatTable } from './lib/table.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const benchmarksDir = path.join(here, 'benchmarks');

async function main(filters) {
  if (filters.some((filter) => filter.startsWith('-'))) {
    console.error('usage: node scripts/bench/run.mjs [name-filter...]');
    return 2;
  }
  const modules = await loadBenchmarks();
  const selected = modules.filter((module) => filters.length === 0 || filters.some((f) => module.name.includes(f)));
  if (selected.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}; available: ${modules.map((m) => m.name).join(', ')}`);
    return 2;
  }
  printMachine();
  const failed = [];
  for (const benchmark of selected) {
    if (!(await runBenchmark(benchmark))) failed.push(benchmark.name);
  }
  if (failed.length > 0) console.log(`\nFAILED: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

async function loadBenchmarks() {
  const files = fs.readdirSync(benchmarksDir).filter((file) => file.endsWith('.mjs')).sort();
  const modules = [];
  for (const file of files) {
    const module = await import(pathToFileURL(path.join(benchmarksDir, file)).href);
    const valid =
      typeof module.name === 'string' && typeof module.description === 'string' && typeof module.run === 'function';
    if (!valid) throw new Error(`benchmarks/${file} must export name, description and async run(ctx)`);
    modules.push(module);
  }
  return modules;
}

function printMachine() {
  const cpus = os.cpus();
  const source = { 'gnu-time': 'GNU time (/usr/bin/time)', 'proc-stat': '/proc/self/stat (cutime+cstime)' };
  console.log('Spindle benchmarks');
  console.log(`cpu:      ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores`);
  console.log(`memory:   ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`node:     ${process.version} (${os.platform()} ${os.arch()}, kernel ${os.release()})`);
  console.log(`cpu time: ${source[cpuTimeSource()] ?? 'not measured (no /usr/bin/time, no /proc)'}`);
}

/** Runs one benchmark; false if it threw. */
async function runBenchmark(benchmark) {
  console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
  const started = process.hrtime.bigint();
  try {
    await benchmark.run(context());
    return true;
  } catch (error) {
    console.log(`${benchmark.name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.SPINDLE_BENCH_DEBUG && error instanceof Error) console.log(error.stack);
    return false;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`(${benchmark.name} took ${seconds.toFixed(1)} s)`);
  }
}

function context() {
  const dataDir = path.join(root, 'bench-data');
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
    },
  };
}

process.exitCode = await main(process.argv.slice(2));
