import fs from 'node:fs';
import { createRequire } from 'node:module';
import { processThreadDump } from '@spindle/runtime';
import type { EnvironmentInfo, ThreadInfo } from '../cluster-view.js';

/** The JobManager's runtime: Node and V8 versions, architecture, options, module directories. */
export function environment(): EnvironmentInfo {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o !== '');
  const lookup = createRequire(import.meta.url).resolve.paths('@spindle/runtime') ?? [];
  return {
    runtime: {
      version: `Node.js ${process.version} (V8 ${process.versions.v8})`,
      arch: `${process.platform} ${process.arch}`,
      options: [...process.execArgv, ...nodeOptions],
    },
    modulePaths: lookup.filter((dir) => fs.existsSync(dir)),
  };
}

/**
 * Where each thread of this process is now (`processThreadDump`): the main thread, which is
 * answering this request, and every worker thread (plan runs, embedded slots) with its
 * JavaScript stack.
 */
export function threadDump(): ThreadInfo[] {
  return processThreadDump((id) =>
    id === 0 ? { name: 'main', details: ['JobManager: REST, RPC, Dispatcher, ResourceManager, JobMasters'] } : undefined,
  ).map((t) => ({ name: t.name, stack: t.info }));
}
