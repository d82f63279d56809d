import type { Route } from '../server/router.js';
import { badRequest } from '../server/rest-error.js';
import { jobAccumulatorsBody, jobConfigBody } from '../wire/job-info-wire.js';
import { aggregatedResponse, listSelection, metricsResponse } from './metrics-query.js';
import { json, jobIdParam, type HandlerContext } from './params.js';

/** `/jobs/:jobid/config`, `/accumulators`, `/metrics`, and `/jobs/metrics` aggregated over jobs. */
export function jobInfoRoutes(ctx: HandlerContext): Route[] {
  const { cluster } = ctx;
  return [
    { method: 'GET', path: '/jobs/:jobid/config', handler: async (r) => json(200, jobConfigBody(await cluster.jobConfig(jobIdParam(r)))) },
    {
      method: 'GET',
      path: '/jobs/:jobid/accumulators',
      handler: async (r) => {
        const include = r.query.get('includeSerializedValue');
        if (include !== null && include !== 'true' && include !== 'false') {
          throw badRequest('Bad request, could not parse parameters: includeSerializedValue must be true or false.');
        }
        return json(200, jobAccumulatorsBody(await cluster.jobAccumulators(jobIdParam(r)), include === 'true'));
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/metrics',
      handler: async (r) => json(200, metricsResponse(await cluster.jobMetrics(jobIdParam(r)), r)),
    },
    {
      method: 'GET',
      path: '/jobs/metrics',
      handler: async (r) => {
        const chosen = listSelection(r, 'jobs');
        for (const id of chosen ?? []) {
          if (!/^[0-9a-fA-F]{32}$/.test(id)) throw badRequest(`Bad request, could not parse parameters: jobs '${id}' is not a job id.`);
        }
        const ids = chosen?.map((id) => id.toLowerCase()) ?? (await cluster.listJobs()).map((j) => j.jobId);
        const metrics = await Promise.all(ids.map((id) => cluster.jobMetrics(id).catch(() => undefined)));
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
