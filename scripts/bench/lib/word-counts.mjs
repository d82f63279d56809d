/**
 * Reading and comparing `word count` output. On each line the last
 * whitespace-separated field is the count and the rest of the line is the
 * word; blank lines are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';

const LINE = /^(.*?\S)[ \t]+(\d+)[ \t]*$/;

/**
 * Parses the given files into { counts: Map<word, count>, total, problem }.
 * `problem` describes the first malformed line or repeated word (a word
 * must appear once across all files), or is null.
 */
export function readWordCounts(files) {
  const counts = new Map();
  let total = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.trim() === '') continue;
      const match = LINE.exec(line);
      const where = `${path.basename(file)}:${i + 1}`;
      if (!match) return { counts, total, problem: `${where}: cannot parse ${quote(line)}` };
      const [, word, countText] = match;
      if (counts.has(word)) return { counts, total, problem: `${where}: ${quote(word)} appears twice` };
      const count = Number(countText);
      counts.set(word, count);
      total += count;
    }
  }
  return { counts, total, problem: null };
}

/**
 * Parses the output of a STREAMING WordCount, where every update of a count is a line: returns
 * { counts: Map<word, final count>, total, lines, problem }. Counts only grow, so a word's final
 * count is its largest; `lines` (the number of updates) must equal the number of tokens.
 */
export function readWordCountUpdates(files) {
  const counts = new Map();
  let lines = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      if (line.trim() === '') continue;
      const match = LINE.exec(line);
      if (!match) return { counts, total: 0, lines, problem: `${path.basename(file)}: cannot parse ${quote(line)}` };
      const count = Number(match[2]);
      if (!(counts.get(match[1]) >= count)) counts.set(match[1], count);
      lines++;
    }
  }
  let total = 0;
  for (const count of counts.values()) total += count;
  return { counts, total, lines, problem: null };
}

/** Files named `part-*` anywhere under dir, sorted; hidden in-progress files are skipped. */
export function partFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.startsWith('part-'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** 'ok', or what differs first: distinct words, total count, then one example entry. */
export function compareWordCounts(expected, actual) {
  const differences = [];
  if (actual.counts.size !== expected.counts.size) {
    differences.push(`${actual.counts.size} distinct words, expected ${expected.counts.size}`);
  }
  if (actual.total !== expected.total) differences.push(`total ${actual.total}, expected ${expected.total}`);
  const entry = firstDifferentEntry(expected.counts, actual.counts);
  if (entry) differences.push(entry);
  return differences.length === 0 ? 'ok' : differences.join('; ');
}

function firstDifferentEntry(expected, actual) {
  for (const [word, count] of expected) {
    const got = actual.get(word);
    if (got === undefined) return `${quote(word)} missing`;
    if (got !== count) return `${quote(word)}: ${got}, expected ${count}`;
  }
  for (const word of actual.keys()) {
    if (!expected.has(word)) return `unexpected ${quote(word)}`;
  }
  return null;
}

function quote(text) {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}
