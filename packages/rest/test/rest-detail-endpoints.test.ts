import { expect } from 'chai';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { configureLogging, resetLogging } from '@spindle/core';
import { LogDirectory, RuntimeSampler } from '@spindle/runtime';
import { RestServer } from '../src/index.js';
import { TestingClusterView, sampleTaskManager, type TestingJob } from '../src/testing/index.js';
import { getJson, request, uploadJar } from './http-client.js';
import { expectFixture } from './shape.js';

const NOW = 1_700_000_060_000;

interface PromFamily {
  name: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PromFamily[];

type Json = Record<string, unknown>;

describe('RestServer: vertices, metrics, logs, TaskManager details (Flink wire format)', () => {
  let cluster: TestingClusterView;
  let server: RestServer;
  let port: number;
  let job: TestingJob;
  let jobId: string;
  let sourceId: string;
  let dir: string;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  beforeEach(async () => {
    cluster = new TestingClusterView();
    cluster.taskManagerInfos = [sampleTaskManager(0), sampleTaskManager(1)];
    job = cluster.addJob();
    jobId = job.details.jobId;
    sourceId = job.details.vertices[0]!.id;
    server = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0, now: () => NOW });
    port = await server.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-rest-logs-'));
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function ok(p: string, fixture: string): Promise<Json> {
    const res = await getJson(port, p);
    expect(res.status, `${p}: ${res.text}`).to.equal(200);
    expectFixture(res.json, fixture);
    return res.json as Json;
  }

  describe('vertices', () => {
    it('GET /jobs/:jobid/vertices/:vertexid: subtasks with attempt, host, TaskManager, times, I/O and state durations', async () => {
      const body = await ok(`/jobs/${jobId}/vertices/${sourceId}`, 'vertex-details');
      expect(body).to.deep.include({ id: sourceId, name: 'Source: Sequence -> Map', parallelism: 2, maxParallelism: 128, now: NOW });
      const subtasks = body.subtasks as Json[];
      expect(subtasks.map((s) => s.subtask)).to.deep.equal([0, 1]);
      const tms = cluster.taskManagerInfos.map((t) => t.id);
      expect(subtasks.map((s) => s['taskmanager-id'])).to.deep.equal(tms);
      const first = subtasks[0]!;
      const start = job.details.vertices[0]!.startTime;
      expect(first).to.deep.include({
        status: 'RUNNING',
        attempt: 0,
        host: '127.0.0.1',
        'start-time': start,
        'end-time': -1,
        duration: NOW - start,
      });
      expect(first.metrics).to.deep.include({
        'read-records': 10,
        'write-records': 20,
        'read-bytes': 100,
        'write-bytes': 200,
        'read-records-complete': true,
      });
      expect(first['status-duration']).to.deep.equal({
        CREATED: 1,
        SCHEDULED: start - job.details.startTime - 1,
        DEPLOYING: 1,
        INITIALIZING: 1,
        RUNNING: NOW - start - 2,
      });
      const aggregated = body.aggregated as { metrics: Record<string, Json> };
      expect(aggregated.metrics['read-records']).to.deep.include({ min: 10, max: 20, sum: 30, avg: 15 });
      expect((await getJson(port, `/v1/jobs/${jobId}/vertices/${sourceId}`)).status).to.equal(200);
    });

    it('GET .../subtasks/:subtaskindex and .../attempts/:attempt', async () => {
      const sub = await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasks/1`, 'subtask');
      expect(sub).to.deep.include({ subtask: 1, attempt: 0, 'taskmanager-id': cluster.taskManagerInfos[1]!.id });
      expect((sub.metrics as Json)['read-records']).to.equal(20);
      await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasks/1/attempts/0`, 'subtask');
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/1/attempts/1`)).status).to.equal(404);
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/2`)).status).to.equal(404);
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/x`)).status).to.equal(400);
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/-1`)).status).to.equal(400);
    });

    it('GET .../subtasktimes: every state timestamp, 0 when not reached', async () => {
      const body = await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasktimes`, 'subtask-times');
      const first = (body.subtasks as Json[])[0]!;
      const start = job.details.vertices[0]!.startTime;
      expect(first).to.deep.include({ subtask: 0, host: '127.0.0.1', duration: NOW - start });
      expect(first.timestamps).to.deep.include({ DEPLOYING: start, RUNNING: start + 2, FINISHED: 0, CANCELED: 0 });
    });

    it('GET .../taskmanagers: subtasks grouped by TaskManager with their state counts and I/O', async () => {
      const body = await ok(`/jobs/${jobId}/vertices/${sourceId}/taskmanagers`, 'vertex-taskmanagers');
      const groups = body.taskmanagers as Json[];
      expect(groups.map((g) => g['taskmanager-id'])).to.deep.equal(cluster.taskManagerInfos.map((t) => t.id));
      expect(groups[1]).to.deep.include({ status: 'RUNNING', host: '127.0.0.1' });
      expect((groups[1]!['status-counts'] as Json).RUNNING).to.equal(1);
      expect((groups[1]!.metrics as Json)['read-records']).to.equal(20);
    });

    it('GET .../backpressure: ratios per subtask from time back-pressured, busy and idle per second, levels as Flink', async () => {
      const body = await ok(`/jobs/${jobId}/vertices/${sourceId}/backpressure`, 'vertex-backpressure');
      expect(body).to.deep.include({ status: 'ok', backpressureLevel: 'high', 'end-timestamp': NOW });
      expect(body.subtasks).to.deep.equal([
        { subtask: 0, 'attempt-number': 0, backpressureLevel: 'high', ratio: 0.6, idleRatio: 0.1, busyRatio: 0.3 },
        { subtask: 1, 'attempt-number': 0, backpressureLevel: 'ok', ratio: 0, idleRatio: 0.1, busyRatio: 0.9 },
      ]);
      job.subtasks = [];
      expect(await ok(`/jobs/${jobId}/vertices/${sourceId}/backpressure`, 'vertex-backpressure')).to.deep.equal({ status: 'deprecated' });
    });

    it("GET .../watermarks: a metric array of each subtask's currentInputWatermark", async () => {
      const body = await ok(`/jobs/${jobId}/vertices/${sourceId}/watermarks`, 'metric-list');
      expect(body).to.deep.equal([
        { id: '0.currentInputWatermark', value: '1700000000000' },
        { id: '1.currentInputWatermark', value: '1700000000000' },
      ]);
    });

    it('GET .../metrics: ids <subtask>.<metric>, values as strings for get=', async () => {
      const list = (await ok(`/jobs/${jobId}/vertices/${sourceId}/metrics`, 'metric-list')) as unknown as Array<{ id: string }>;
      expect(list.map((m) => m.id)).to.include.members([
        '0.numRecordsIn',
        '1.numRecordsOut',
        '0.busyTimeMsPerSecond',
        '1.currentOutputWatermark',
      ]);
      expect(list.every((m) => !('value' in m))).to.equal(true);
      const values = await ok(`/jobs/${jobId}/vertices/${sourceId}/metrics?get=0.numRecordsIn,1.numRecordsOut,nope`, 'metric-list');
      expect(values).to.deep.equal([
        { id: '0.numRecordsIn', value: '10' },
        { id: '1.numRecordsOut', value: '40' },
      ]);
      const sub = await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasks/1/metrics?get=numRecordsIn`, 'metric-list');
      expect(sub).to.deep.equal([{ id: 'numRecordsIn', value: '20' }]);
    });

    it('GET .../subtasks/metrics: min, max, avg, sum over subtasks; agg= and subtasks= choose', async () => {
      const ids = (await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics`, 'aggregated-metrics')) as unknown as Array<{
        id: string;
      }>;
      expect(ids.map((m) => m.id)).to.include('numRecordsIn');
      const all = await ok(`/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics?get=numRecordsIn`, 'aggregated-metrics');
      expect(all).to.deep.equal([{ id: 'numRecordsIn', min: 10, max: 20, avg: 15, sum: 30 }]);
      const some = await ok(
        `/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics?get=numRecordsIn&agg=max,SUM&subtasks=1`,
        'aggregated-metrics',
      );
      expect(some).to.deep.equal([{ id: 'numRecordsIn', max: 20, sum: 20 }]);
      const range = await ok(
        `/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics?get=numRecordsIn&agg=sum&subtasks=0-1`,
        'aggregated-metrics',
      );
      expect(range).to.deep.equal([{ id: 'numRecordsIn', sum: 30 }]);
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics?get=numRecordsIn&agg=median`)).status).to.equal(
        400,
      );
      expect((await getJson(port, `/jobs/${jobId}/vertices/${sourceId}/subtasks/metrics?subtasks=2-1`)).status).to.equal(400);
    });

    it('answers a malformed or unknown vertex id with 400/404 and an errors body', async () => {
      for (const [p, status] of [
        [`/jobs/${jobId}/vertices/xyz`, 400],
        [`/jobs/${jobId}/vertices/${'0'.repeat(32)}`, 404],
        [`/jobs/${'0'.repeat(32)}/vertices/${sourceId}`, 404],
        [`/jobs/nope/vertices/${sourceId}/metrics`, 400],
        [`/jobs/${jobId}/vertices/${'f'.repeat(32)}/backpressure`, 404],
      ] as const) {
        const res = await getJson(port, p);
        expect(res.status, p).to.equal(status);
        expectFixture(res.json, 'error');
      }
    });
  });

  describe('job configuration, accumulators and metrics', () => {
    it('GET /jobs/:jobid/config', async () => {
      const body = await ok(`/jobs/${jobId}/config`, 'job-config');
      expect(body).to.deep.equal({
        jid: jobId,
        name: 'Sample job',
        'execution-config': {
          'execution-mode': 'PIPELINED',
          'restart-strategy': 'Restart deactivated.',
          'job-parallelism': 2,
          'object-reuse-mode': true,
          'user-config': { 'parallelism.default': '2' },
        },
      });
    });

    it('GET /jobs/:jobid/accumulators, with serialized values on request', async () => {
      job.accumulators = { lines: 42, ratio: 0.5, seen: ['a', 'b'] };
      const body = await ok(`/jobs/${jobId}/accumulators`, 'job-accumulators');
      expect(body['user-task-accumulators']).to.deep.equal([
        { name: 'lines', type: 'LongCounter', value: '42' },
        { name: 'ratio', type: 'DoubleCounter', value: '0.5' },
        { name: 'seen', type: 'ListAccumulator', value: '["a","b"]' },
      ]);
      expect(body['serialized-user-task-accumulators']).to.deep.equal({});
      const serialized = await ok(`/jobs/${jobId}/accumulators?includeSerializedValue=true`, 'job-accumulators');
      expect(Object.keys(serialized['serialized-user-task-accumulators'] as Json)).to.deep.equal(['lines', 'ratio', 'seen']);
    });

    it('GET /jobs/:jobid/metrics and /jobs/metrics aggregated over jobs (jobs= chooses)', async () => {
      job.metrics = { numRestarts: 1, runningTime: 100 };
      const other = cluster.addJob({}, { metrics: { numRestarts: 3, runningTime: 300 } });
      expect(await ok(`/jobs/${jobId}/metrics?get=numRestarts`, 'metric-list')).to.deep.equal([{ id: 'numRestarts', value: '1' }]);
      expect(await ok(`/jobs/metrics?get=numRestarts`, 'aggregated-metrics')).to.deep.equal([
        { id: 'numRestarts', min: 1, max: 3, avg: 2, sum: 4 },
      ]);
      expect(await ok(`/jobs/metrics?get=runningTime&agg=sum&jobs=${other.details.jobId}`, 'aggregated-metrics')).to.deep.equal([
        { id: 'runningTime', sum: 300 },
      ]);
      expect((await getJson(port, '/jobs/metrics?jobs=not-a-job')).status).to.equal(400);
    });
  });

  describe('JobManager', () => {
    it('GET /jobmanager/metrics, /environment, /thread-dump', async () => {
      cluster.jobManagerMetricValues = { numRegisteredTaskManagers: 2, taskSlotsTotal: 4 };
      expect(await ok('/jobmanager/metrics', 'metric-list')).to.deep.equal([{ id: 'numRegisteredTaskManagers' }, { id: 'taskSlotsTotal' }]);
      expect(await ok('/jobmanager/metrics?get=taskSlotsTotal', 'metric-list')).to.deep.equal([{ id: 'taskSlotsTotal', value: '4' }]);
      const env = await ok('/jobmanager/environment', 'environment');
      expect((env.jvm as Json).version).to.match(/^Node\.js v\d+/);
      expect((env.classpath as string[]).length).to.be.greaterThan(0);
      const dump = await ok('/jobmanager/thread-dump', 'thread-dump');
      const threads = dump.threadInfos as Array<{ threadName: string; stringifiedThreadInfo: string }>;
      expect(threads[0]!.threadName).to.equal('main');
      expect(threads[0]!.stringifiedThreadInfo).to.match(/^"main" Id=0 RUNNABLE\n\t- JobManager: .*\n\tat /);
    });

    it('GET /jobmanager/logs lists the log directory; /logs/:filename and /log serve a file as text', async () => {
      fs.mkdirSync(path.join(dir, 'log'));
      const big = 'x'.repeat(3 * 1024 * 1024 + 17) + '\nend\n';
      fs.writeFileSync(path.join(dir, 'log', 'spindle-jobmanager-0.log'), big);
      fs.writeFileSync(path.join(dir, 'log', 'other.log'), 'other\n');
      cluster.jobManagerLogDirectory = new LogDirectory(path.join(dir, 'log'), 'spindle-jobmanager-0.log');
      const list = await ok('/jobmanager/logs', 'log-list');
      expect((list.logs as Json[]).map((l) => [l.name, l.size])).to.deep.equal([
        ['other.log', 6],
        ['spindle-jobmanager-0.log', big.length],
      ]);
      const file = await request(port, 'GET', '/jobmanager/logs/other.log');
      expect(file.status).to.equal(200);
      expect(file.headers['content-type']).to.equal('text/plain; charset=UTF-8');
      expect(file.text).to.equal('other\n');
      const main = await request(port, 'GET', '/jobmanager/log');
      expect(main.text.length).to.equal(big.length);
      expect(main.text.endsWith('\nend\n')).to.equal(true);
      // stdout goes into the same file (Flink's .out).
      const stdout = await request(port, 'GET', '/jobmanager/stdout');
      expect(stdout.text).to.equal(main.text);
    });

    it('serves no file outside the log directory: .., encoded %2e%2e and %2F, absolute paths, links, pid files', async () => {
      fs.mkdirSync(path.join(dir, 'log'));
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
      fs.writeFileSync(path.join(dir, 'log', 'a.log'), 'a');
      fs.writeFileSync(path.join(dir, 'log', 'spindle-jobmanager-0.pid'), '1');
      fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'log', 'link.log'));
      fs.symlinkSync('/etc/passwd', path.join(dir, 'log', 'passwd.log'));
      cluster.jobManagerLogDirectory = new LogDirectory(path.join(dir, 'log'));
      const tm = cluster.taskManagerInfos[0]!.id;
      cluster.taskManagerExtras.set(tm, { logs: new LogDirectory(path.join(dir, 'log')) });
      const names = [
        '%2E%2E%2Fsecret.txt',
        '..%2fsecret.txt',
        '..%5csecret.txt',
        '%2Fetc%2Fpasswd',
        '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        'link.log',
        'passwd.log',
        'spindle-jobmanager-0.pid',
        'missing.log',
        '%00a.log',
      ];
      for (const base of ['/jobmanager/logs', `/taskmanagers/${encodeURIComponent(tm)}/logs`]) {
        for (const name of names) {
          const res = await request(port, 'GET', `${base}/${name}`);
          expect(res.status, `${base}/${name}`).to.be.oneOf([400, 404]);
          expect(res.text, `${base}/${name}`).not.to.include('TOP-SECRET-CONTENT');
          expect(res.text).not.to.include('root:');
          expectFixture(res.json, 'error');
        }
        // Dot segments, literal or percent-encoded, are resolved by the URL itself (WHATWG): they
        // leave the logs path for another endpoint, which answers JSON, never a file.
        for (const dotted of [`${base}/..`, `${base}/%2e%2e`, `${base}/../../../etc/passwd`, `${base}/%2e%2e/%2e%2e/secret.txt`]) {
          const res = await request(port, 'GET', dotted);
          expect(res.headers['content-type'], dotted).to.equal('application/json; charset=UTF-8');
          expect(res.text).not.to.include('root:');
          expect(res.text).not.to.include('TOP-SECRET-CONTENT');
        }
        expect((await request(port, 'GET', `${base}/a.log`)).text).to.equal('a');
      }
    });
  });

  describe('TaskManagers', () => {
    it("GET /taskmanagers/:taskmanagerid/thread-dump: Flink's ThreadDumpInfo; 404 for an unknown TaskManager, 400 for a malformed id", async () => {
      const tm = cluster.taskManagerInfos[0]!;
      const dump = await ok(`/taskmanagers/${encodeURIComponent(tm.id)}/thread-dump`, 'thread-dump');
      expect((dump.threadInfos as Array<{ threadName: string }>)[0]!.threadName).to.equal('main');
      const unknown = await getJson(port, '/taskmanagers/unknown-tm/thread-dump');
      expect(unknown.status).to.equal(404);
      expectFixture(unknown.json, 'error');
      expect((await getJson(port, '/taskmanagers/a%2Fb/thread-dump')).status).to.equal(400);
    });

    it('GET /taskmanagers/:taskmanagerid: details with allocated slots, memory and GC from its last status, and its Prometheus port', async () => {
      const tm = cluster.taskManagerInfos[0]!;
      tm.freeSlots = 1;
      const sampler = new RuntimeSampler();
      const status = { ...sampler.process(), slots: [{ slotIndex: 0, thread: { ...sampler.thread(), heapUsed: 1000 } }] };
      sampler.close();
      cluster.taskManagerExtras.set(tm.id, { status, metricsPort: 9251 });
      const body = await ok(`/taskmanagers/${encodeURIComponent(tm.id)}`, 'taskmanager-details');
      expect(body).to.deep.include({ id: tm.id, slotsNumber: 2, freeSlots: 1, 'spindle-prometheus-port': 9251 });
      expect(body.allocatedSlots).to.deep.equal([
        {
          jobId,
          resource: { cpuCores: 1, taskHeapMemory: 0, taskOffHeapMemory: 0, managedMemory: 0, networkMemory: 0, extendedResources: {} },
        },
      ]);
      const metrics = body.metrics as Json;
      expect(metrics.heapUsed).to.equal(status.main.heapUsed + 1000);
      expect(metrics.heapMax).to.be.greaterThan(0);
      expect(metrics.nonHeapUsed).to.equal(Math.max(0, status.rss - status.main.heapCommitted - status.slots[0]!.thread.heapCommitted));
      const values = await ok(
        `/taskmanagers/${encodeURIComponent(tm.id)}/metrics?get=Status.JVM.Memory.Heap.Used,Status.EventLoop.SlotLag.Max`,
        'metric-list',
      );
      expect(values).to.deep.equal([
        { id: 'Status.JVM.Memory.Heap.Used', value: String(status.main.heapUsed + 1000) },
        { id: 'Status.EventLoop.SlotLag.Max', value: String(status.slots[0]!.thread.eventLoopLagMaxMs) },
      ]);
      const agg = await ok(
        `/taskmanagers/metrics?get=Status.JVM.Threads.Count&taskmanagers=${encodeURIComponent(tm.id)}`,
        'aggregated-metrics',
      );
      expect(agg).to.deep.equal([{ id: 'Status.JVM.Threads.Count', min: 2, max: 2, avg: 2, sum: 2 }]);
    });

    it('GET /taskmanagers/:taskmanagerid/logs and a log file', async () => {
      const tm = cluster.taskManagerInfos[1]!.id;
      fs.writeFileSync(path.join(dir, 'spindle-taskmanager-1.log'), '{"msg":"TaskManager started"}\n');
      cluster.taskManagerExtras.set(tm, { logs: new LogDirectory(dir, 'spindle-taskmanager-1.log') });
      const list = await ok(`/taskmanagers/${encodeURIComponent(tm)}/logs`, 'log-list');
      expect((list.logs as Json[]).map((l) => l.name)).to.deep.equal(['spindle-taskmanager-1.log']);
      expect((await request(port, 'GET', `/taskmanagers/${encodeURIComponent(tm)}/logs/spindle-taskmanager-1.log`)).text).to.include(
        'TaskManager started',
      );
      expect((await request(port, 'GET', `/taskmanagers/${encodeURIComponent(tm)}/log`)).text).to.include('TaskManager started');
      expect((await request(port, 'GET', `/taskmanagers/${encodeURIComponent(tm)}/stdout`)).text).to.include('TaskManager started');
    });

    it('answers an unknown TaskManager with 404 and a malformed id with 400', async () => {
      for (const p of ['', '/logs', '/metrics', '/log', '/stdout', '/thread-dump', '/logs/a.log']) {
        const unknown = await getJson(port, `/taskmanagers/no-such-tm${p}`);
        expect(unknown.status, p).to.equal(404);
        expectFixture(unknown.json, 'error');
        const malformed = await getJson(port, `/taskmanagers/bad%20id${p}`);
        expect(malformed.status, p).to.equal(400);
        expectFixture(malformed.json, 'error');
      }
    });
  });

  describe('programs, switches and Prometheus', () => {
    it('POST /jars/:jarid/plan answers the plan of the program without running it', async () => {
      const upload = await uploadJar(port, [{ field: 'jarfile', filename: 'job.mjs', content: 'export function main() {}' }]);
      const jarId = (upload.json as { filename: string }).filename.split('/').pop()!;
      const res = await request(port, 'POST', `/jars/${jarId}/plan`, JSON.stringify({ parallelism: 3 }), {
        'Content-Type': 'application/json',
      });
      expect(res.status, res.text).to.equal(200);
      expectFixture(res.json, 'jar-plan');
      const nodes = (res.json as { plan: { nodes: Array<{ parallelism: number }> } }).plan.nodes;
      expect(nodes.map((n) => n.parallelism)).to.deep.equal([3, 3]);
      expect(cluster.runs).to.deep.equal([]);
      expect((await getJson(port, `/jars/${jarId}/plan?parallelism=2`)).status).to.equal(200);
      expect((await request(port, 'POST', '/jars/unknown.js/plan')).status).to.equal(400);
    });

    it('web.submit.enable: false leaves /jars unrouted (404, as Flink) and /config says so; web.cancel.enable: false refuses cancellation', async () => {
      const closed = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0, webSubmit: false, webCancel: false });
      const closedPort = await closed.start();
      try {
        const config = await getJson(closedPort, '/config');
        expect((config.json as { features: Json }).features).to.deep.include({ 'web-submit': false, 'web-cancel': false });
        for (const [method, p] of [
          ['GET', '/jars'],
          ['POST', '/jars/upload'],
          ['POST', '/jars/x.js/run'],
          ['POST', '/jars/x.js/plan'],
          ['DELETE', '/jars/x.js'],
        ] as const) {
          const res = await request(closedPort, method, p);
          expect(res.status, `${method} ${p}`).to.equal(404);
          expectFixture(res.json, 'error');
          expect((res.json as { errors: string[] }).errors[0]).to.equal(`Not found: ${p}`);
        }
        const cancel = await request(closedPort, 'PATCH', `/jobs/${jobId}?mode=cancel`);
        expect(cancel.status).to.equal(403);
        expect(job.details.status).to.equal('RUNNING');
        expect((await request(port, 'PATCH', `/jobs/${jobId}?mode=cancel`)).status).to.equal(202);
      } finally {
        await closed.close();
      }
    });

    it('GET /metrics: the JobManager, its jobs and their subtasks in Prometheus text format', async () => {
      cluster.jobManagerMetricValues = { numRegisteredTaskManagers: 2, taskSlotsTotal: 4 };
      job.metrics = { numRestarts: 0 };
      const res = await request(port, 'GET', '/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
      const families = new Map(parsePrometheus(res.text).map((f) => [f.name, f]));
      expect(families.get('spindle_jobmanager_taskSlotsTotal')!.metrics[0]!.value).to.equal('4');
      expect(families.get('spindle_jobmanager_job_numRestarts')!.metrics[0]!.labels).to.deep.include({
        job_id: jobId,
        job_name: 'Sample_job',
      });
      const records = families.get('spindle_jobmanager_job_task_numRecordsIn')!;
      expect(records.type).to.equal('GAUGE');
      const source = records.metrics.filter((m) => m.labels?.task_id === sourceId);
      expect(source.map((m) => [m.labels?.subtask_index, m.value])).to.deep.equal([
        ['0', '10'],
        ['1', '20'],
      ]);
      const custom = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0, prometheus: { prefix: 'acme' } });
      const customPort = await custom.start();
      try {
        const text = (await request(customPort, 'GET', '/metrics')).text;
        expect(parsePrometheus(text).map((f) => f.name)).to.include('acme_jobmanager_taskSlotsTotal');
      } finally {
        await custom.close();
      }
    });
  });
});
