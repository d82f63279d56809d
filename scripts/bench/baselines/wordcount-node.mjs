/**
 * WordCount baseline: a plain single-threaded Node program.
 *
 *   node wordcount-node.mjs <input> <output>
 *
 * Streams the input in 1 MiB chunks, splits on ASCII whitespace (space, \t,
 * \n, \v, \f, \r: what `tr -s '[:space:]'` splits on in the C locale),
 * carries a token cut by a chunk boundary over to the next chunk, counts in
 * a Map and writes one `word count` line per distinct word.
 */
import { createReadStream, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: wordcount-node.mjs <input> <output>');
  process.exit(2);
}

const counts = new Map();
const add = (word) => counts.set(word, (counts.get(word) ?? 0) + 1);

function isSpace(code) {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Counts every complete token of text and returns the unfinished tail. */
function countTokens(text) {
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) {
      if (start >= 0) add(text.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return start >= 0 ? text.slice(start) : '';
}

let carry = '';
// The utf8 decoder keeps a character split across chunks for the next one.
for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  carry = countTokens(carry + chunk);
}
if (carry !== '') add(carry);

const lines = [];
for (const [word, count] of counts) lines.push(`${word} ${count}\n`);
writeFileSync(output, lines.join(''));
