/** Small shell-like helpers: quoting a command line for display and PATH lookup. */
import fs from 'node:fs';
import path from 'node:path';

const SAFE = /^[\w@%+=:,./-]+$/;

/** A command line that can be pasted into a POSIX shell. */
export function shellQuote(words) {
  return words.map((word) => (SAFE.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** The first executable named `program` in PATH, or null. */
export function findOnPath(program) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}
