import { createRequire } from 'node:module';
import { expect } from 'chai';
import { fixtureProblems } from '@spindle/rest/testing';
import { describeRun, runCli } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

interface PromFamily {
  name: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PromFamily[];

type Json = Record<string, unknown>;
interface Vertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  metrics: Record<string, number | boolean | string>;
}

const N = 5000;

/** Every endpoint of the dashboard's REST API against real JobManager and TaskManager processes, field by field. */
describe('REST API of a session cluster: vertices, metrics, logs, TaskManagers, Prometheus', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;
  let rest: string;
  let jobId: string;
  let vertices: Vertex[];

  async function call(p: string, init: RequestInit = {}): Promise<{ status: number; text: string; type: string | null }> {
    const r = await fetch(`http://${rest}${p}`, { ...init, signal: AbortSignal.timeout(30_000) });
    return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
  }

  async function ok<T = Json>(p: string, fixture: string): Promise<T> {
    const r = await call(p);
    expect(r.status, `${p}: ${r.text.slice(0, 300)}`).to.equal(200);
    const json = JSON.parse(r.text) as unknown;
    expect(fixtureProblems(json, fixture), `${p} against ${fixture}`).to.deep.equal([]);
    return json as T;
  }

  const vertex = (part: string): Vertex => vertices.find((v) => v.name.includes(part))!;

  before(async () => {
    cluster = await startSessionCluster('rest-detail', {
      taskManagers: 2,
      slotsPerTaskManager: 2,
      dynamic: ['-Dheartbeat.interval=500 ms', '-Dheartbeat.timeout=20 s', '-Dmetrics.reporter.prom.port=0'],
    });
    rest = cluster.rest;
    const args = ['run', '--no-typecheck', '-m', rest, '-d', '-p', '2', 'integration/fixtures/webui-job.ts', '--n', String(N)];
    const r = await runCli(args, 90_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    // The keyed tasks have read all n numbers, and both have reported them.
    vertices = await until(
      'the downstream tasks to have read every number',
      async () => {
        const job = await cluster.get<{ state: string; vertices: Vertex[] }>(`/jobs/${jobId}`);
        const down = job.vertices.find((v) => v.name.includes('Double'));
        return job.state === 'RUNNING' && down?.metrics['read-records'] === N && down.metrics['read-records-complete']
          ? job.vertices
          : undefined;
      },
      60_000,
    );
  });

  after(async () => {
    if (cluster) await cluster.stop();
  });

  it('vertex details, subtasks, attempts and subtask times carry the real figures and places', async () => {
    const down = vertex('Double');
    const details = await ok<{ subtasks: Json[]; aggregated: { metrics: Record<string, Json> } }>(
      `/jobs/${jobId}/vertices/${down.id}`,
      'vertex-details',
    );
    const tms = (await cluster.get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers')).taskmanagers.map((t) => t.id);
    expect(details.subtasks).to.have.length(2);
    let read = 0;
    for (const s of details.subtasks) {
      expect(s.status).to.equal('RUNNING');
      expect(tms).to.include(s['taskmanager-id']);
      expect(s.host).to.equal('127.0.0.1');
      read += (s.metrics as Json)['read-records'] as number;
      expect((s['status-duration'] as Json).RUNNING).to.be.greaterThan(0);
    }
    expect(read).to.equal(N);
    expect(details.aggregated.metrics['read-records']!.sum).to.equal(N);
    const one = await ok<Json>(`/jobs/${jobId}/vertices/${down.id}/subtasks/1`, 'subtask');
    expect(one).to.deep.include({ subtask: 1, attempt: 0, status: 'RUNNING' });
    await ok(`/jobs/${jobId}/vertices/${down.id}/subtasks/1/attempts/0`, 'subtask');
    const times = await ok<{ subtasks: Array<{ timestamps: Record<string, number> }> }>(
      `/jobs/${jobId}/vertices/${down.id}/subtasktimes`,
      'subtask-times',
    );
    for (const t of times.subtasks) expect(t.timestamps.RUNNING).to.be.at.least(t.timestamps.DEPLOYING!).and.greaterThan(0);
    const source = vertex('Counted');
    const finished = await ok<{ subtasks: Json[] }>(`/jobs/${jobId}/vertices/${source.id}`, 'vertex-details');
    expect(finished.subtasks.map((s) => s.status)).to.deep.equal(['FINISHED', 'FINISHED']);
    expect(finished.subtasks.reduce((n, s) => n + ((s.metrics as Json)['write-records'] as number), 0)).to.equal(N);
  });

  it('TaskManagers of a vertex, back-pressure, watermarks and task metrics', async () => {
    const down = vertex('Double');
    const byTm = await ok<{ taskmanagers: Json[] }>(`/jobs/${jobId}/vertices/${down.id}/taskmanagers`, 'vertex-taskmanagers');
    expect(byTm.taskmanagers.reduce((n, t) => n + ((t.metrics as Json)['read-records'] as number), 0)).to.equal(N);
    const bp = await ok<{ status: string; subtasks: Array<{ ratio: number; busyRatio: number; idleRatio: number }> }>(
      `/jobs/${jobId}/vertices/${down.id}/backpressure`,
      'vertex-backpressure',
    );
    expect(bp.status).to.equal('ok');
    for (const s of bp.subtasks) expect(s.ratio + s.busyRatio + s.idleRatio).to.be.within(0.9, 1.1);
    const watermarks = await ok<Array<{ id: string; value: string }>>(`/jobs/${jobId}/vertices/${down.id}/watermarks`, 'metric-list');
    expect(watermarks.map((w) => w.id)).to.deep.equal(['0.currentInputWatermark', '1.currentInputWatermark']);
    const list = await ok<Array<{ id: string }>>(`/jobs/${jobId}/vertices/${down.id}/metrics`, 'metric-list');
    expect(list.map((m) => m.id)).to.include.members(['0.numRecordsIn', '1.numRecordsIn', '0.busyTimeMsPerSecond']);
    const values = await ok<Array<{ id: string; value: string }>>(
      `/jobs/${jobId}/vertices/${down.id}/metrics?get=0.numRecordsIn,1.numRecordsIn`,
      'metric-list',
    );
    expect(values.reduce((n, m) => n + Number(m.value), 0)).to.equal(N);
    const agg = await ok<Json[]>(`/jobs/${jobId}/vertices/${down.id}/subtasks/metrics?get=numRecordsIn&agg=sum`, 'aggregated-metrics');
    expect(agg).to.deep.equal([{ id: 'numRecordsIn', sum: N }]);
    const sub = await ok<Array<{ value: string }>>(`/jobs/${jobId}/vertices/${down.id}/subtasks/0/metrics?get=numRecordsIn`, 'metric-list');
    expect(Number(sub[0]!.value)).to.be.within(0, N);
  });

  it('job configuration, accumulators, job metrics, /jobs/metrics', async () => {
    const config = await ok<{ jid: string; 'execution-config': Json }>(`/jobs/${jobId}/config`, 'job-config');
    expect(config.jid).to.equal(jobId);
    // No checkpointing and no restart-strategy.type: Flink's default, no restarts.
    expect(config['execution-config']).to.deep.include({ 'execution-mode': 'PIPELINED', 'restart-strategy': 'Restart deactivated.' });
    await ok(`/jobs/${jobId}/accumulators`, 'job-accumulators');
    const metrics = await ok<Array<{ id: string; value: string }>>(
      `/jobs/${jobId}/metrics?get=numRestarts,runningState,uptime`,
      'metric-list',
    );
    expect(Object.fromEntries(metrics.map((m) => [m.id, Number(m.value)]))).to.deep.include({ numRestarts: 0, runningState: 1 });
    const ids = (await ok<Array<{ id: string }>>(`/jobs/${jobId}/metrics`, 'metric-list')).map((m) => m.id);
    expect(ids).to.include.members(['numRestarts', 'uptime', 'runningState']);
    // As in Flink, a STREAMING job has a checkpoint coordinator (for savepoints) with checkpointing off: none completes.
    const completed = await ok<Array<{ id: string; value: string }>>(
      `/jobs/${jobId}/metrics?get=numberOfCompletedCheckpoints`,
      'metric-list',
    );
    expect(completed).to.deep.equal([{ id: 'numberOfCompletedCheckpoints', value: '0' }]);
    const all = await ok<Json[]>(`/jobs/metrics?get=runningState&agg=sum&jobs=${jobId}`, 'aggregated-metrics');
    expect(all).to.deep.equal([{ id: 'runningState', sum: 1 }]);
  });

  it('JobManager metrics, environment, thread dump and logs', async () => {
    const jm = await ok<Array<{ id: string; value: string }>>(
      '/jobmanager/metrics?get=numRegisteredTaskManagers,taskSlotsTotal,numRunningJobs,Status.JVM.Memory.Heap.Used',
      'metric-list',
    );
    const values = Object.fromEntries(jm.map((m) => [m.id, Number(m.value)]));
    expect(values).to.deep.include({ numRegisteredTaskManagers: 2, taskSlotsTotal: 4, numRunningJobs: 1 });
    expect(values['Status.JVM.Memory.Heap.Used']).to.be.greaterThan(0);
    await ok('/jobmanager/environment', 'environment');
    const dump = await ok<{ threadInfos: Array<{ threadName: string }> }>('/jobmanager/thread-dump', 'thread-dump');
    expect(dump.threadInfos[0]!.threadName).to.equal('main');
    const logs = await ok<{ logs: Array<{ name: string; size: number }> }>('/jobmanager/logs', 'log-list');
    expect(logs.logs.map((l) => l.name)).to.include.members(['spindle-jobmanager-0.log', 'spindle-taskmanager-0.log']);
    const own = await call('/jobmanager/log');
    expect(own.type).to.equal('text/plain; charset=UTF-8');
    expect(own.text).to.include('JobManager started');
    const file = await call('/jobmanager/logs/spindle-jobmanager-0.log');
    expect(file.text).to.equal(own.text.slice(0, file.text.length));
    for (const bad of ['%2e%2e%2fspindle-jobmanager-0.pid', 'spindle-jobmanager-0.pid', '%2Fetc%2Fpasswd', 'nope.log']) {
      const r = await call(`/jobmanager/logs/${bad}`);
      expect(r.status, bad).to.be.oneOf([400, 404]);
      expect(fixtureProblems(JSON.parse(r.text), 'error')).to.deep.equal([]);
    }
  });

  it("TaskManager thread dumps: the main thread and each slot's worker thread with the tasks running in it", async () => {
    const subtasks: Array<{ tm: string; line: string }> = [];
    for (const v of vertices) {
      const details = await cluster.get<{
        subtasks: Array<{ subtask: number; attempt: number; status: string; 'taskmanager-id': string }>;
      }>(`/jobs/${jobId}/vertices/${v.id}`);
      for (const s of details.subtasks.filter((x) => x.status === 'RUNNING'))
        subtasks.push({ tm: s['taskmanager-id'], line: `- task ${v.name} (${s.subtask + 1}/${v.parallelism})#${s.attempt} RUNNING` });
    }
    expect(subtasks.length).to.be.at.least(4);
    const tms = (await cluster.get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers')).taskmanagers;
    let found = 0;
    for (const { id } of tms) {
      const dump = await ok<{ threadInfos: Array<{ threadName: string; stringifiedThreadInfo: string }> }>(
        `/taskmanagers/${encodeURIComponent(id)}/thread-dump`,
        'thread-dump',
      );
      const [main, ...workers] = dump.threadInfos;
      expect(main!.threadName).to.equal('main');
      expect(main!.stringifiedThreadInfo)
        .to.match(/^"main" Id=0 RUNNABLE\n/)
        .and.include(`TaskManager ${id}`);
      const slots = workers.filter((w) => /^Slot \d+ worker$/.test(w.threadName));
      for (const w of slots) expect(w.stringifiedThreadInfo).to.match(/^"Slot \d+ worker" Id=\d+ (RUNNABLE|WAITING)\n\t- slot \d+ of /);
      // Every task running here is named in exactly one slot thread, and no other task is.
      const own = subtasks.filter((s) => s.tm === id).map((s) => s.line);
      found += own.length;
      for (const line of own) expect(slots.filter((w) => w.stringifiedThreadInfo.includes(line)).length, `${id}: ${line}`).to.equal(1);
      const listed = slots.flatMap((w) => w.stringifiedThreadInfo.split('\n').filter((l) => l.startsWith('\t- task ')));
      expect(listed.map((l) => l.replace(/, job .*$/, '').trim())).to.have.members(own);
    }
    expect(found).to.equal(subtasks.length);
    const unknown = await call('/taskmanagers/no-such-taskmanager/thread-dump');
    expect(unknown.status).to.equal(404);
    expect(fixtureProblems(JSON.parse(unknown.text), 'error')).to.deep.equal([]);
  });

  it("TaskManager details, metrics and logs, and each TaskManager's Prometheus endpoint with the tasks' real counts", async () => {
    const tms = (await cluster.get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers')).taskmanagers;
    let downstreamIn = 0;
    const allocated: string[] = [];
    for (const { id } of tms) {
      const tmPath = `/taskmanagers/${encodeURIComponent(id)}`;
      const details = await ok<{ metrics: Json; allocatedSlots: Json[]; 'spindle-prometheus-port': number; slotsNumber: number }>(
        tmPath,
        'taskmanager-details',
      );
      expect(details.slotsNumber).to.equal(2);
      allocated.push(...details.allocatedSlots.map((s) => s.jobId as string));
      expect(details.metrics.heapUsed).to.be.greaterThan(0);
      const metrics = await ok<Array<{ id: string; value: string }>>(
        `${tmPath}/metrics?get=Status.JVM.Memory.Heap.Used,Status.EventLoop.Lag.Max`,
        'metric-list',
      );
      expect(metrics.map((m) => m.id)).to.deep.equal(['Status.JVM.Memory.Heap.Used', 'Status.EventLoop.Lag.Max']);
      const logs = await ok<{ logs: Array<{ name: string }> }>(`${tmPath}/logs`, 'log-list');
      expect(logs.logs.length).to.be.greaterThan(0);
      const own = await call(`${tmPath}/log`);
      expect(own.status).to.equal(200);
      expect(own.text).to.include(id);
      expect((await call(`${tmPath}/logs/..%2f..%2fsecret`)).status).to.be.oneOf([400, 404]);
      const port = details['spindle-prometheus-port'];
      expect(port).to.be.greaterThan(0);
      const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scrape.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
      const families = new Map(parsePrometheus(await scrape.text()).map((f) => [f.name, f]));
      const heap = families.get('spindle_taskmanager_Status_JVM_Memory_Heap_Used')!;
      expect(heap.metrics[0]!.labels).to.deep.include({ tm_id: id.replace(/[^a-zA-Z0-9:_]/g, '_') });
      // A TaskManager without tasks has no task series.
      const records = families.get('spindle_taskmanager_job_task_numRecordsIn')?.metrics ?? [];
      for (const m of records.filter((s) => s.labels?.job_id === jobId && s.labels.task_name?.includes('Double'))) {
        downstreamIn += Number(m.value);
      }
    }
    expect(downstreamIn, 'numRecordsIn of the keyed tasks, over both TaskManagers').to.equal(N);
    expect(allocated, 'the slots the job holds (p = 2, slots shared)').to.deep.equal([jobId, jobId]);
    const agg = await ok<Json[]>('/taskmanagers/metrics?get=Status.JVM.Threads.Count&agg=min', 'aggregated-metrics');
    expect((agg[0]!.min as number) >= 1).to.equal(true);
  });

  it('plans an uploaded bundle without running it', async () => {
    const bundle = `import { StreamExecutionEnvironment } from '@spindle/datastream';
export async function main() {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromElements(1, 2, 3).map((x) => x + 1).name('Plus one').print();
  await env.execute('Planned');
}`;
    const form = new FormData();
    form.append('jarfile', new Blob([bundle], { type: 'text/javascript' }), 'planned.mjs');
    const upload = await fetch(`http://${rest}/jars/upload`, { method: 'POST', body: form });
    const jarId = ((await upload.json()) as { filename: string }).filename.split('/').pop()!;
    const before = (await cluster.get<{ jobs: unknown[] }>('/jobs')).jobs.length;
    const r = await call(`/jars/${jarId}/plan`, {
      method: 'POST',
      body: JSON.stringify({ parallelism: 3 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status, r.text).to.equal(200);
    const plan = JSON.parse(r.text) as { plan: { name: string; nodes: Array<{ parallelism: number; description: string }> } };
    expect(fixtureProblems(plan, 'jar-plan')).to.deep.equal([]);
    expect(plan.plan.name).to.equal('Planned');
    expect(plan.plan.nodes.some((n) => n.description.includes('Plus one'))).to.equal(true);
    expect((await cluster.get<{ jobs: unknown[] }>('/jobs')).jobs.length).to.equal(before);
  });

  it("after the job is cancelled, the JobManager's /metrics keeps its final counts", async () => {
    expect((await call(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' })).status).to.equal(202);
    await until(
      'CANCELED',
      async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined),
      30_000,
    );
    const text = (await call('/metrics')).text;
    const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
    const sum = (metric: string, task: string) =>
      families
        .get(metric)!
        .metrics.filter((m) => m.labels?.job_id === jobId && m.labels.task_name?.includes(task))
        .reduce((n, m) => n + Number(m.value), 0);
    expect(sum('spindle_jobmanager_job_task_numRecordsOut', 'Counted')).to.equal(N);
    expect(sum('spindle_jobmanager_job_task_numRecordsIn', 'Double')).to.equal(N);
    expect(families.get('spindle_jobmanager_numRegisteredTaskManagers')!.metrics[0]!.value).to.equal('2');
  });
});
