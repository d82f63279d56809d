/**
 * bench-results.json: the machine, the commit, and each benchmark's figures, written once the
 * run ends so that runs on different commits can be compared. Format (see README.md):
 *
 *   { version: 1, date, commit, dirty, machine, benchmarks: [{ name, ok, error?, ...record() }],
 *     peers, failed, loadAfter }
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class ResultsFile {
  #data;
  #current = null;

  constructor(file, root) {
    this.file = file;
    this.#data = { version: 1, date: new Date().toISOString(), ...gitState(root), machine: null, benchmarks: [] };
  }

  setMachine(machine) {
    this.#data.machine = machine;
  }

  begin(name) {
    this.#current = { name, ok: true };
    this.#data.benchmarks.push(this.#current);
  }

  record(data) {
    Object.assign(this.#current, data);
  }

  fail(name, message) {
    const entry = this.#data.benchmarks.find((benchmark) => benchmark.name === name);
    if (entry) Object.assign(entry, { ok: false, error: message });
  }

  finish(extra) {
    Object.assign(this.#data, extra);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, `${JSON.stringify(this.#data, null, 2)}\n`);
  }
}

function gitState(root) {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: null, dirty: null };
  return { commit: head.stdout.trim(), dirty: git('status', '--porcelain').stdout.trim() !== '' };
}
