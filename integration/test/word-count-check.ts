import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT } from './cli-harness.js';

/** What the WordCount tests compare: the job's output against counts that coreutils computed. */
const INPUT_CAP_BYTES = 2_000_000;

/** README.md files under a directory, depth first in name order; symlinked directories are not followed. */
function findReadmes(dir: string, found: string[] = []): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) findReadmes(full, found);
    else if (e.isFile() && e.name === 'README.md') found.push(full);
  }
  return found;
}

/** Concatenates the READMEs of node_modules up to the cap: real text that no test wrote. */
export function buildInput(): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const file of findReadmes(path.join(REPO_ROOT, 'node_modules'))) {
    const content = fs.readFileSync(file);
    if (size + content.length + 1 > INPUT_CAP_BYTES) continue;
    parts.push(content, Buffer.from('\n'));
    size += content.length + 1;
  }
  return Buffer.concat(parts);
}

/** The expected counts, computed by coreutils rather than by anything in Spindle. */
export async function shellCounts(inputFile: string): Promise<Map<string, number>> {
  const script = `tr -s '[:space:]' '\\n' < "$1" | grep -av '^$' | sort | uniq -c`;
  const { stdout } = await promisify(execFile)('sh', ['-c', script, 'sh', inputFile], {
    env: { ...process.env, LC_ALL: 'C' },
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  const counts = new Map<string, number>();
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const m = /^ *(\d+) (.+)$/.exec(line);
    if (!m) throw new Error(`cannot parse uniq -c output line ${JSON.stringify(line)}`);
    counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]));
  }
  return counts;
}

/** `word count` lines grouped by word, in the order they were read. */
export function countsByWord(lines: string[]): Map<string, number[]> {
  const byWord = new Map<string, number[]>();
  for (const line of lines) {
    const space = line.lastIndexOf(' ');
    const count = Number(line.slice(space + 1));
    expect(space > 0 && Number.isInteger(count), `malformed output line ${JSON.stringify(line)}`).to.equal(true);
    const word = line.slice(0, space);
    const list = byWord.get(word);
    if (list) list.push(count);
    else byWord.set(word, [count]);
  }
  return byWord;
}

/** At most `limit` differences between expected and actual final counts, readable. */
function differences(expected: Map<string, number>, actual: Map<string, number>, limit = 15): string[] {
  const diffs: string[] = [];
  for (const [word, n] of expected) {
    if (actual.get(word) !== n) diffs.push(`${JSON.stringify(word)}: expected ${n}, got ${actual.get(word) ?? 'nothing'}`);
  }
  for (const [word, n] of actual) {
    if (!expected.has(word)) diffs.push(`${JSON.stringify(word)}: not in the input, got ${n}`);
  }
  if (diffs.length > limit) return [...diffs.slice(0, limit), `... ${diffs.length - limit} more`];
  return diffs;
}

/** The final count of each word equals coreutils'; BATCH writes one line per word, STREAMING every update in order. */
export function expectFinalCounts(expected: Map<string, number>, byWord: Map<string, number[]>, mode: 'STREAMING' | 'BATCH'): void {
  const finals = new Map<string, number>();
  const badUpdates: string[] = [];
  for (const [word, counts] of byWord) {
    finals.set(word, counts[counts.length - 1]!);
    // BATCH writes only the final count; STREAMING writes every update of a key, in order.
    const ok = mode === 'BATCH' ? counts.length === 1 : counts.every((c, i) => c === i + 1);
    if (!ok && badUpdates.length < 10) badUpdates.push(`${JSON.stringify(word)}: ${counts.slice(0, 20).join(',')}`);
  }
  expect(badUpdates, `${mode} output lines per word`).to.deep.equal([]);
  expect(differences(expected, finals), 'words whose final count differs from coreutils').to.deep.equal([]);
  expect(finals.size).to.equal(expected.size);
}
