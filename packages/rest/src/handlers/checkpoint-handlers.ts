import type { JobCheckpointing } from '../cluster-view.js';
import { RestError, badRequest } from '../server/rest-error.js';
import type { RestRequest, Route } from '../server/router.js';
import { checkpointBody, checkpointConfigBody, checkpointingStatisticsBody, taskCheckpointDetailsBody } from '../wire/checkpoint-wire.js';
import { json, jobIdParam, vertexIdParam, type HandlerContext } from './params.js';

/**
 * Checkpoint statistics as Flink serves them: `/jobs/:jobid/checkpoints` (counts, summary, latest,
 * history), `/checkpoints/config`, `/checkpoints/details/:checkpointid` (with per-vertex task statistics)
 * and `/checkpoints/details/:checkpointid/subtasks/:vertexid` (per subtask). An unknown job, a job without checkpointing and a checkpoint no longer in the
 * history answer 404; a malformed id 400.
 */
export function checkpointRoutes(ctx: HandlerContext): Route[] {
  const checkpointing = async (request: RestRequest): Promise<JobCheckpointing> => {
    const jobId = jobIdParam(request);
    const view = await ctx.cluster.checkpointing?.(jobId);
    if (view === undefined) {
      await ctx.cluster.jobStatus(jobId);
      throw new RestError(404, `Checkpointing is not enabled for job ${jobId}.`);
    }
    return view;
  };
  const historyEntry = async (r: RestRequest) => {
    const raw = r.params.checkpointid ?? '';
    const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id))
      throw badRequest(
        `Bad request, could not parse parameters: cannot parse path parameter checkpointid '${raw}': expected a checkpoint id (a long).`,
      );
    const entry = (await checkpointing(r)).stats.history.find((h) => h.id === id);
    if (entry === undefined) throw new RestError(404, `Could not find checkpointing statistics for checkpoint ${id}.`);
    return entry;
  };
  return [
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints',
      handler: async (r) => json(200, checkpointingStatisticsBody((await checkpointing(r)).stats)),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/config',
      handler: async (r) => json(200, checkpointConfigBody(await checkpointing(r))),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/details/:checkpointid',
      handler: async (r) => json(200, checkpointBody(await historyEntry(r), true)),
    },
    {
      method: 'GET',
      path: '/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid',
      handler: async (r) => {
        const vertexId = vertexIdParam(r);
        const entry = await historyEntry(r);
        const task = entry.tasks[vertexId];
        if (task === undefined) throw new RestError(404, `There is no checkpoint statistics for task ${vertexId}.`);
        return json(200, taskCheckpointDetailsBody(vertexId, entry, task));
      },
    },
  ];
}
