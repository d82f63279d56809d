import { operatorMetricGroups, processMetricValues, taskMetricValues, type MetricGroup, type TaskExecutor } from '@spindle/runtime';

/**
 * A TaskManager's metric groups as Flink's reporters see them: the TaskManager's status
 * (`taskmanager` scope: host, tm_id) and each running task (`taskmanager_job_task` scope: job,
 * task, subtask and attempt variables).
 */
export async function taskManagerMetricGroups(taskExecutor: TaskExecutor, host: string): Promise<MetricGroup[]> {
  const { status, tasks } = await taskExecutor.collectMetrics();
  const tm = { host, tm_id: taskExecutor.resourceId };
  const groups: MetricGroup[] = [
    {
      scope: ['taskmanager'],
      labels: tm,
      values: processMetricValues(
        status,
        status.slots.map((s) => s.thread),
      ),
    },
  ];
  for (const t of tasks) {
    const labels = {
      ...tm,
      job_id: t.jobId,
      job_name: t.jobName,
      task_id: t.vertexId,
      task_name: t.taskName,
      subtask_index: String(t.subtaskIndex),
      task_attempt_num: String(t.attemptNumber),
      task_attempt_id: t.attemptId,
    };
    const scope = ['taskmanager', 'job', 'task'];
    groups.push({ scope, labels, values: taskMetricValues(t.metrics, false) });
    groups.push(...operatorMetricGroups(t.metrics, scope, labels));
  }
  return groups;
}
