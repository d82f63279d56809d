import type { Route } from '../server/router.js';
import { threadDumpBody } from '../wire/cluster-wire.js';
import { logFileResponse, mainLogName } from './log-response.js';
import { metricsResponse } from './metrics-query.js';
import { json, type HandlerContext } from './params.js';

/** `/jobmanager/metrics`, `/logs`, `/logs/:filename`, `/log`, `/stdout`, `/environment`, `/thread-dump`. */
export function jobManagerRoutes(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  const logFile = (name: string) => logFileResponse((offset, length) => cluster.jobManagerLogFile(name, offset, length));
  return [
    { method: 'GET', path: '/jobmanager/metrics', handler: async (r) => json(200, metricsResponse(await cluster.jobManagerMetrics(), r)) },
    {
      method: 'GET',
      path: '/jobmanager/logs',
      handler: async () =>
        json(200, { logs: (await cluster.jobManagerLogs()).files.map((f) => ({ name: f.name, size: f.size, mtime: f.mtime })) }),
    },
    { method: 'GET', path: '/jobmanager/logs/:filename', handler: (r) => logFile(r.params.filename ?? '') },
    { method: 'GET', path: '/jobmanager/log', handler: async () => logFile(mainLogName(await cluster.jobManagerLogs())) },
    // The launcher sends the process's stdout and stderr into its log file: Flink's `.out` is that file.
    { method: 'GET', path: '/jobmanager/stdout', handler: async () => logFile(mainLogName(await cluster.jobManagerLogs())) },
    {
      method: 'GET',
      path: '/jobmanager/environment',
      handler: async () => {
        const env = await cluster.environment();
        return json(200, {
          jvm: { version: env.runtime.version, arch: env.runtime.arch, options: env.runtime.options },
          classpath: env.modulePaths,
        });
      },
    },
    {
      method: 'GET',
      path: '/jobmanager/thread-dump',
      handler: async () => json(200, threadDumpBody(await cluster.threadDump())),
    },
  ];
}
