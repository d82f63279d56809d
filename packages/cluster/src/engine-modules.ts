import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The node_modules directory that holds the engine's packages (@spindle/*). */
export function engineNodeModules(): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(path.join(candidate, '@spindle', 'datastream', 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('cannot find the @spindle packages in any node_modules above ' + HERE);
  }
}

/** Lets a bundle in `dir` import the engine's own packages: a `node_modules` link beside it. */
export function linkEngineModules(dir: string): void {
  const link = path.join(dir, 'node_modules');
  if (!fs.existsSync(link)) fs.symlinkSync(engineNodeModules(), link, 'dir');
}
