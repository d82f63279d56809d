/**
 * Results as lines: read from a contestant's output files and compared with the reference as
 * multisets (order does not matter, repeats do).
 */
import fs from 'node:fs';

/** The non-empty lines of the files, sorted by code unit. */
export function readSortedLines(files) {
  const lines = [];
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line !== '') lines.push(line);
  }
  return lines.sort();
}

/** 'ok' when the sorted line arrays are equal, else the line counts and the first line in one but not the other. */
export function compareSortedLines(expected, actual) {
  let i = 0;
  let j = 0;
  while (i < expected.length && j < actual.length && expected[i] === actual[j]) {
    i++;
    j++;
  }
  if (i === expected.length && j === actual.length) return 'ok';
  const counts = `${actual.length} lines, expected ${expected.length}`;
  if (j === actual.length || (i < expected.length && expected[i] < actual[j])) return `${counts}; missing ${quote(expected[i])}`;
  return `${counts}; unexpected ${quote(actual[j])}`;
}

function quote(line) {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line);
}
