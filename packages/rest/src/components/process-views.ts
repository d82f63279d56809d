import fs from 'node:fs';
import { createRequire } from 'node:module';
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

interface ReportThread {
  header?: { threadId?: number };
  javascriptStack?: { message?: string; stack?: string[] };
}

function threadInfo(name: string, report: ReportThread): ThreadInfo {
  const frames = report.javascriptStack?.stack ?? [];
  const id = report.header?.threadId ?? 0;
  return { name, stack: [`"${name}" Id=${id} RUNNABLE`, ...frames.map((f) => `\t${f}`)].join('\n') + '\n' };
}

/**
 * Where each thread of this process is now, from Node's diagnostic report: the main thread
 * (which is answering this request) and every worker thread (plan runs, embedded slots), each
 * interrupted to record its JavaScript stack.
 */
export function threadDump(): ThreadInfo[] {
  const report = process.report.getReport() as unknown as ReportThread & { workers?: ReportThread[] };
  const workers = report.workers ?? [];
  return [threadInfo('main', report), ...workers.map((w) => threadInfo(`worker-${w.header?.threadId ?? '?'}`, w))];
}
