import type { Route } from '../server/router.js';
import { taskManagerDetailsBody, threadDumpBody } from '../wire/cluster-wire.js';
import { logFileResponse, mainLogName } from './log-response.js';
import { aggregatedResponse, listSelection, metricsResponse } from './metrics-query.js';
import { json, taskManagerIdParam, type HandlerContext } from './params.js';

/** `/taskmanagers/:taskmanagerid`, its `/logs`, `/logs/:filename`, `/log`, `/stdout`, `/thread-dump`, `/metrics`, and `/taskmanagers/metrics`. */
export function taskManagerRoutes(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  const logFile = (tm: string, name: string) => logFileResponse((offset, length) => cluster.taskManagerLogFile(tm, name, offset, length));
  return [
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid',
      handler: async (r) => json(200, taskManagerDetailsBody(await cluster.taskManagerDetails(taskManagerIdParam(r)))),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/logs',
      handler: async (r) =>
        json(200, {
          logs: (await cluster.taskManagerLogs(taskManagerIdParam(r))).files.map((f) => ({ name: f.name, size: f.size, mtime: f.mtime })),
        }),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/logs/:filename',
      handler: (r) => logFile(taskManagerIdParam(r), r.params.filename ?? ''),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/log',
      handler: async (r) => {
        const tm = taskManagerIdParam(r);
        return logFile(tm, mainLogName(await cluster.taskManagerLogs(tm)));
      },
    },
    {
      // The launcher sends the process's stdout and stderr into its log file: Flink's `.out` is that file.
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/stdout',
      handler: async (r) => {
        const tm = taskManagerIdParam(r);
        return logFile(tm, mainLogName(await cluster.taskManagerLogs(tm)));
      },
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/thread-dump',
      handler: async (r) => json(200, threadDumpBody(await cluster.taskManagerThreadDump(taskManagerIdParam(r)))),
    },
    {
      method: 'GET',
      path: '/taskmanagers/:taskmanagerid/metrics',
      handler: async (r) => json(200, metricsResponse(await cluster.taskManagerMetrics(taskManagerIdParam(r)), r)),
    },
    {
      method: 'GET',
      path: '/taskmanagers/metrics',
      handler: async (r) => {
        const chosen = listSelection(r, 'taskmanagers');
        const ids = chosen ?? (await cluster.taskManagers()).map((t) => t.id);
        const metrics = await Promise.all(ids.map((id) => cluster.taskManagerMetrics(id).catch(() => undefined)));
        return json(
          200,
          aggregatedResponse(
            metrics.filter((m) => m !== undefined),
            r,
          ),
        );
      },
    },
  ];
}
