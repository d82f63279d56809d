import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The CLI's launcher script; cluster processes are started through it. */
export const CLI_BIN = path.resolve(HERE, '..', '..', 'bin', 'spindle.js');

/** The engine's default configuration directory (`conf/` of the installation), if there is one. */
export function defaultConfDir(): string | undefined {
  const dir = path.resolve(HERE, '..', '..', '..', '..', 'conf');
  return fs.existsSync(dir) ? dir : undefined;
}
