import os from 'node:os';
import { PROMETHEUS_CONTENT_TYPE, operatorMetricGroups, renderPrometheus, taskMetricValues, type MetricGroup } from '@spindle/runtime';
import type { ClusterView } from '../cluster-view.js';
import type { Route } from '../server/router.js';
import type { HandlerContext } from './params.js';

/**
 * The JobManager's metrics for Prometheus, named as Flink's PrometheusReporter names them:
 * `<prefix>_jobmanager_*` (cluster), `<prefix>_jobmanager_job_*` (per job: restarts, time per
 * status), and Spindle's `<prefix>_jobmanager_job_task_*`: the task metrics each subtask last
 * reported to the JobManager, for running jobs and for the ended jobs the JobManager still
 * keeps, so that final record counts stay visible after their TaskManagers dropped them.
 * (TaskManagers export their live tasks as `<prefix>_taskmanager_job_task_*`.)
 */
export async function jobManagerMetricGroups(cluster: ClusterView): Promise<MetricGroup[]> {
  const host = os.hostname();
  const groups: MetricGroup[] = [{ scope: ['jobmanager'], labels: { host }, values: await cluster.jobManagerMetrics() }];
  for (const job of await cluster.listJobs()) {
    const labels = { host, job_id: job.jobId, job_name: job.name };
    const data = await Promise.all([cluster.jobMetrics(job.jobId), cluster.jobDetails(job.jobId), cluster.jobSubtasks(job.jobId)]).catch(
      () => undefined,
    );
    if (!data) continue; // dropped from the job store meanwhile
    const [metrics, details, subtasks] = data;
    groups.push({ scope: ['jobmanager', 'job'], labels, values: metrics });
    const names = new Map(details.vertices.map((v) => [v.id, v.name]));
    for (const s of subtasks) {
      if (!s.metrics) continue;
      const taskLabels = {
        ...labels,
        task_id: s.vertexId,
        task_name: names.get(s.vertexId) ?? s.vertexId,
        subtask_index: String(s.subtaskIndex),
        task_attempt_num: String(s.attemptNumber),
        tm_id: s.taskManagerId ?? '',
      };
      const scope = ['jobmanager', 'job', 'task'];
      groups.push({ scope, labels: taskLabels, values: taskMetricValues(s.metrics, false) });
      groups.push(...operatorMetricGroups(s.metrics, scope, taskLabels));
    }
  }
  return groups;
}

/** `GET /metrics` in Prometheus' text format. */
export function prometheusRoutes(ctx: HandlerContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      handler: async () => ({
        status: 200,
        raw: { contentType: PROMETHEUS_CONTENT_TYPE, data: renderPrometheus(await jobManagerMetricGroups(ctx.cluster), ctx.prometheus) },
      }),
    },
  ];
}
