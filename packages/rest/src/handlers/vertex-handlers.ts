import { taskMetricValues } from '@spindle/runtime';
import type { JobVertexDetails, SubtaskInfo } from '../cluster-view.js';
import { VertexNotFoundError } from '../errors.js';
import { RestError } from '../server/rest-error.js';
import type { RestRequest, Route } from '../server/router.js';
import { subtasksAccumulatorsBody, vertexAccumulatorsBody } from '../wire/job-info-wire.js';
import { backPressureBody, subtaskBody, subtaskTimesBody, vertexDetailsBody, vertexTaskManagersBody } from '../wire/vertex-wire.js';
import { aggregatedResponse, metricsResponse, subtaskSelection } from './metrics-query.js';
import { indexParam, json, jobIdParam, vertexIdParam, type HandlerContext } from './params.js';

interface VertexView {
  vertex: JobVertexDetails;
  subtasks: SubtaskInfo[];
}

/** The vertex of the request's job and its subtasks, in subtask order; 404 for an unknown job or vertex. */
async function vertexOf(ctx: HandlerContext, request: RestRequest): Promise<VertexView> {
  const jobId = jobIdParam(request);
  const vertexId = vertexIdParam(request);
  const [details, subtasks] = await Promise.all([ctx.cluster.jobDetails(jobId), ctx.cluster.jobSubtasks(jobId)]);
  const vertex = details.vertices.find((v) => v.id === vertexId);
  if (!vertex) throw new VertexNotFoundError(jobId, vertexId);
  const own = subtasks.filter((s) => s.vertexId === vertexId).sort((a, b) => a.subtaskIndex - b.subtaskIndex);
  return { vertex, subtasks: own };
}

function subtaskOf(view: VertexView, request: RestRequest): SubtaskInfo {
  const index = indexParam(request, 'subtaskindex');
  const subtask = view.subtasks.find((s) => s.subtaskIndex === index);
  if (!subtask) throw new RestError(404, `Vertex ${view.vertex.id} has no subtask ${index} (parallelism ${view.vertex.parallelism}).`);
  return subtask;
}

/** Flink's task metric ids of a vertex: `<subtask>.<metric>`. */
function vertexMetricValues(subtasks: readonly SubtaskInfo[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const s of subtasks) {
    if (!s.metrics) continue;
    for (const [name, value] of Object.entries(taskMetricValues(s.metrics))) out[`${s.subtaskIndex}.${name}`] = value;
  }
  return out;
}

const BASE = '/jobs/:jobid/vertices/:vertexid';

/** `/jobs/:jobid/vertices/:vertexid` and what hangs below it, as Flink's vertex handlers. */
export function vertexRoutes(ctx: HandlerContext): Route[] {
  const get = (path: string, handler: (view: VertexView, request: RestRequest) => unknown): Route => ({
    method: 'GET',
    path: `${BASE}${path}`,
    handler: async (r) => json(200, handler(await vertexOf(ctx, r), r)),
  });
  return [
    get('', (v) => vertexDetailsBody(v.vertex, v.subtasks, ctx.now())),
    get('/subtasks/:subtaskindex', (v, r) => subtaskBody(subtaskOf(v, r), ctx.now())),
    get('/subtasks/:subtaskindex/attempts/:attempt', (v, r) => {
      const subtask = subtaskOf(v, r);
      const attempt = indexParam(r, 'attempt');
      if (attempt !== subtask.attemptNumber) throw new RestError(404, `Subtask ${subtask.subtaskIndex} has no attempt ${attempt}.`);
      return subtaskBody(subtask, ctx.now());
    }),
    get('/subtasks/:subtaskindex/metrics', (v, r) => {
      const subtask = subtaskOf(v, r);
      return metricsResponse(subtask.metrics ? taskMetricValues(subtask.metrics) : {}, r);
    }),
    get('/subtasks/metrics', (v, r) => {
      const chosen = subtaskSelection(r);
      const measured = v.subtasks.filter((s) => s.metrics && (chosen === undefined || chosen.has(s.subtaskIndex)));
      return aggregatedResponse(
        measured.map((s) => taskMetricValues(s.metrics!)),
        r,
      );
    }),
    get('/subtasktimes', (v) => subtaskTimesBody(v.vertex, v.subtasks, ctx.now())),
    get('/taskmanagers', (v) => vertexTaskManagersBody(v.vertex, v.subtasks, ctx.now())),
    get('/backpressure', (v) => backPressureBody(v.subtasks, ctx.now())),
    get('/watermarks', (v) =>
      v.subtasks.flatMap((s) =>
        s.metrics ? [{ id: `${s.subtaskIndex}.currentInputWatermark`, value: s.metrics.currentInputWatermark }] : [],
      ),
    ),
    get('/metrics', (v, r) => metricsResponse(vertexMetricValues(v.subtasks), r)),
    get('/accumulators', (v) => vertexAccumulatorsBody(v.vertex.id, v.subtasks)),
    get('/subtasks/accumulators', (v) => subtasksAccumulatorsBody(v.vertex.id, v.vertex.parallelism, v.subtasks)),
  ];
}
