import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, expectCleanFailure, expectJobsFinished, readPartFiles, runCli } from './cli-harness.js';
import { freePort } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const PROBE = 'integration/fixtures/cluster-probe.ts';

/** The JSON log lines of a cluster process with this message. */
function logEntries(file: string, msg: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg);
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('a TaskManager process sized by taskmanager.memory.process.size, bound to 0.0.0.0 and advertising 127.0.0.1', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;
  let tmLog: string;

  before(async () => {
    cluster = await startSessionCluster('tm-process', {
      taskManagers: 1,
      slotsPerTaskManager: 1,
      dynamic: [
        '-Dtaskmanager.memory.process.size=512m',
        '-Dtaskmanager.bind-host=0.0.0.0',
        '-Dtaskmanager.host=127.0.0.1',
        // Flink's reporter list without 'prom': no Prometheus endpoint.
        '-Dmetrics.reporters=none',
      ],
    });
    tmLog = path.join(cluster.dir, 'log', 'spindle-taskmanager-0.log');
  });

  after(async () => {
    await cluster?.stop();
  });

  it('prints the sizes it derived', () => {
    const [memory] = logEntries(tmLog, 'TaskManager memory');
    expect(memory, fs.readFileSync(tmLog, 'utf8')).to.include({
      processSize: '512 MiB',
      jvmOverhead: '192 MiB',
      managed: '128 MiB',
      frameworkHeap: '128 MiB',
      taskHeap: '64 MiB',
      slots: 1,
      slotOldGeneration: '56 MiB',
      slotYoungGeneration: '8 MiB',
    });
  });

  it('listens on every interface and registers its advertised address', async () => {
    const [started] = logEntries(tmLog, 'TaskManager started');
    const rpc = String(started!.rpc);
    expect(rpc).to.match(/^taskexecutor@127\.0\.0\.1:\d+\/taskexecutor$/);
    expect(String(started!.data)).to.match(/^127\.0\.0\.1:\d+$/);
    const port = Number(/:(\d+)\//.exec(rpc)![1]);
    // Bound to 0.0.0.0: reachable on another loopback address than the advertised one.
    expect(await connects('127.0.0.2', port)).to.equal(true);
    const tms = await cluster.get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers');
    expect(tms.taskmanagers).to.have.length(1);
  });

  it("serves no Prometheus endpoint when metrics.reporters does not name 'prom'", async () => {
    const [started] = logEntries(tmLog, 'TaskManager started');
    expect(started!.prometheus).to.equal('none');
    expect(logEntries(tmLog, 'Prometheus endpoint listening')).to.deep.equal([]);
    const [tm] = (await cluster.get<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers')).taskmanagers;
    const details = await cluster.get<Record<string, unknown>>(`/taskmanagers/${encodeURIComponent(tm!.id)}`);
    expect(details['spindle-prometheus-port']).to.equal(-1);
  });

  it('runs tasks in slot workers within their heap limit and without gRPC loaded', async () => {
    const out = path.join(cluster.dir, 'probe');
    const args = ['run', '--no-typecheck', '-m', cluster.rest, PROBE, '--output', out];
    expectJobsFinished(args, await runCli(args, 90_000));
    const { lines } = readPartFiles(out);
    expect(lines).to.have.length(1);
    const [, grpc, limit] = /^grpcModules=(\d+) heapLimitMb=(\d+)$/.exec(lines[0]!) ?? [];
    expect(grpc, lines[0]).to.equal('0');
    // V8 adds the young generation's reserve to the 56 MiB old generation; the default would be gigabytes.
    expect(Number(limit), lines[0]).to.be.within(56, 100);
  });

  it('fails a task whose worker runs out of memory with a clear message, and the TaskManager lives on', async () => {
    const args = ['run', '--no-typecheck', '-m', cluster.rest, PROBE, '--mode', 'hog', '--output', path.join(cluster.dir, 'hog')];
    const r = await runCli(args, 120_000);
    expectCleanFailure(args, r, 'ran out of memory', 'heap limit of 56 MiB', 'taskmanager.memory.process.size');
    const overview = await cluster.get<{ taskmanagers: number; 'slots-available': number }>('/overview');
    expect(overview.taskmanagers).to.equal(1);
    const again = ['run', '--no-typecheck', '-m', cluster.rest, PROBE, '--output', path.join(cluster.dir, 'after-hog')];
    expectJobsFinished(again, await runCli(again, 90_000));
  });
});

describe('a TaskManager whose advertised address does not reach its servers', function () {
  this.timeout(60_000);

  it('fails at start, naming the address and the options to fix', async () => {
    const args = [
      'taskmanager',
      '-Dtaskmanager.bind-host=127.0.0.1',
      '-Dtaskmanager.host=127.0.0.2',
      `-Djobmanager.rpc.port=${await freePort()}`,
    ];
    const r = await runCli(args, 45_000);
    const context = describeRun(args, r);
    expect(r.code, context).to.equal(1);
    expect(r.stderr, context).to.include('taskmanager.host: this process advertises 127.0.0.2:');
    expect(r.stderr, context).to.include('(taskmanager.bind-host)').and.include('ECONNREFUSED');
  });
});

describe('a cluster whose TaskManager processes fail to start (local-process driver)', function () {
  this.timeout(180_000);
  let cluster: SessionCluster;

  before(async () => {
    cluster = await startSessionCluster('tm-start-failures', {
      taskManagers: 0,
      slotsPerTaskManager: 1,
      dynamic: [
        '-Dresourcemanager.driver=local-process',
        '-Dresourcemanager.start-worker-max-failure-rate=2',
        '-Dtaskmanager.bind-host=127.0.0.1',
        '-Dtaskmanager.host=127.0.0.2',
      ],
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('fails the job at once, with the last TaskManager failure, beyond the maximum start failure rate', async () => {
    const args = ['run', '--no-typecheck', '-m', cluster.rest, PROBE, '--output', path.join(cluster.dir, 'out')];
    const r = await runCli(args, 120_000);
    expectCleanFailure(
      args,
      r,
      'TaskManagers failed to start 3 times within a minute',
      'resourcemanager.start-worker-max-failure-rate (2)',
      'ended before it registered (exit code 1',
      'taskmanager.host: this process advertises 127.0.0.2:',
    );
    expect((await cluster.get<{ taskmanagers: number }>('/overview')).taskmanagers).to.equal(0);
  });
});
