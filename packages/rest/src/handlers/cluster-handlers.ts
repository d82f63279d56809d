import type { Route } from '../server/router.js';
import { configBody, dashboardConfigBody, overviewBody, taskManagerBody } from '../wire/cluster-wire.js';
import { json, type HandlerContext } from './params.js';

export function clusterRoutes(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  return [
    {
      method: 'GET',
      path: '/overview',
      handler: async () => {
        const [overview, version] = await Promise.all([cluster.overview(), cluster.versionInfo()]);
        return json(200, overviewBody(overview, version));
      },
    },
    {
      method: 'GET',
      path: '/config',
      handler: async () => {
        const [version, capabilities] = await Promise.all([cluster.versionInfo(), cluster.capabilities()]);
        const settings = {
          refreshIntervalMs: ctx.refreshIntervalMs,
          now: ctx.now(),
          submit: ctx.features.submit && capabilities.jars,
          cancel: ctx.features.cancel,
        };
        return json(200, dashboardConfigBody(version, settings));
      },
    },
    { method: 'GET', path: '/jobmanager/config', handler: async () => json(200, configBody(await cluster.configuration())) },
    {
      method: 'GET',
      path: '/taskmanagers',
      handler: async () => {
        const tms = await cluster.taskManagers();
        return json(200, { taskmanagers: tms.map(taskManagerBody) });
      },
    },
    {
      method: 'DELETE',
      path: '/cluster',
      handler: async () => {
        await cluster.shutdownCluster();
        return json(200, {});
      },
    },
  ];
}
