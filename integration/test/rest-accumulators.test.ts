import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { ListAccumulator, RichMapFunction, StreamExecutionEnvironment, type OpenContext } from '@spindle/datastream';
import { ClusterViewFromComponents, RestServer } from '@spindle/rest';
import { fixtureProblems } from '@spindle/rest/testing';
import { MiniCluster, writeMetadata, type ExecuteRequest } from '@spindle/runtime';
import { removeDir, tempDir } from './cli-harness.js';

const LAST = 1000;
const PARALLELISM = 2;

/** Counts what it sees: every record, the even ones (long), halves (double), and lists the multiples of 100. */
class Counting extends RichMapFunction<number, number> {
  private readonly hundreds = new ListAccumulator<number>();

  override open(_ctx: OpenContext): void {
    this.getRuntimeContext().addAccumulator('hundreds', this.hundreds);
  }

  map(x: number): number {
    const ctx = this.getRuntimeContext();
    ctx.getIntCounter('seen').add(1);
    if (x % 2 === 0) ctx.getLongCounter('evens').add(1);
    ctx.getDoubleCounter('halves').add(x / 2);
    if (x % 100 === 0) this.hundreds.add(x);
    return x;
  }
}

function countingJob(): ExecuteRequest {
  const env = StreamExecutionEnvironment.createLocalEnvironment(PARALLELISM);
  env
    .fromSequence(1, LAST)
    .rebalance()
    .map(new Counting())
    .name('Counting')
    .filter(() => false)
    .print();
  return env.prepare('Accumulators');
}

async function call<T>(port: number, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent: false, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const get = <T>(port: number, urlPath: string) => call<T>(port, 'GET', urlPath);

interface UserAccumulator {
  name: string;
  type: string;
  value: string;
}

const byName = (list: UserAccumulator[]) => Object.fromEntries(list.map((a) => [a.name, { type: a.type, value: JSON.parse(a.value) }]));

/**
 * User accumulators per vertex and per subtask (`/jobs/:jobid/vertices/:vertexid/accumulators`,
 * `.../subtasks/accumulators`) of a finished job on a MiniCluster, compared with what the job
 * counted: the figures computed here from the input, and each subtask's records as its task
 * metrics report them.
 */
describe('REST over a MiniCluster: vertex accumulators, savepoint disposal', function () {
  this.timeout(60_000);
  let cluster: MiniCluster;
  let server: RestServer;
  let port: number;

  before(async () => {
    configureLogging({ level: 'error' });
    const config = new Configuration({});
    cluster = new MiniCluster({ config, numTaskManagers: 1, slotsPerTaskManager: PARALLELISM, slotMode: 'inline' });
    await cluster.start();
    const view = new ClusterViewFromComponents({
      dispatcher: cluster.dispatcher,
      resourceManager: cluster.resourceManager,
      configuration: config,
    });
    server = new RestServer(view, { bindAddress: '127.0.0.1', port: 0 });
    port = await server.start();
  });

  after(async () => {
    await server?.close();
    await cluster?.close();
    resetLogging();
  });

  it("serves each vertex's and each subtask's user accumulators with Flink's fields and the job's real counts", async () => {
    const job = countingJob();
    const jobId = job.jobGraph.jobId;
    const result = await cluster.executeJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    expect(result.status, JSON.stringify(result.failure)).to.equal('FINISHED');
    const numbers = Array.from({ length: LAST }, (_, i) => i + 1);
    const expected = {
      seen: LAST,
      evens: numbers.filter((x) => x % 2 === 0).length,
      halves: numbers.reduce((a, x) => a + x / 2, 0),
      hundreds: numbers.filter((x) => x % 100 === 0),
    };

    const details = (await get<{ vertices: Array<{ id: string; name: string }> }>(port, `/jobs/${jobId}`)).json;
    const counting = details.vertices.find((v) => v.name.startsWith('Counting'))!;
    const source = details.vertices.find((v) => v.id !== counting.id)!;

    const vertex = await get<{ id: string; 'user-accumulators': UserAccumulator[] }>(
      port,
      `/jobs/${jobId}/vertices/${counting.id}/accumulators`,
    );
    expect(vertex.status).to.equal(200);
    expect(fixtureProblems(vertex.json, 'vertex-accumulators')).to.deep.equal([]);
    expect(vertex.json.id).to.equal(counting.id);
    const merged = byName(vertex.json['user-accumulators']);
    expect(merged.seen).to.deep.equal({ type: 'LongCounter', value: expected.seen });
    expect(merged.evens).to.deep.equal({ type: 'LongCounter', value: expected.evens });
    expect(merged.halves!.value).to.equal(expected.halves);
    expect(merged.hundreds!.type).to.equal('ListAccumulator');
    expect([...(merged.hundreds!.value as number[])].sort((a, b) => a - b)).to.deep.equal(expected.hundreds);

    // The job-level accumulators are the same merge.
    const jobLevel = (await get<{ 'user-task-accumulators': UserAccumulator[] }>(port, `/jobs/${jobId}/accumulators`)).json;
    expect(byName(jobLevel['user-task-accumulators']).seen!.value).to.equal(expected.seen);

    const perSubtask = await get<{
      id: string;
      parallelism: number;
      subtasks: Array<{ subtask: number; attempt: number; endpoint: string; 'user-accumulators': UserAccumulator[] }>;
    }>(port, `/jobs/${jobId}/vertices/${counting.id}/subtasks/accumulators`);
    expect(perSubtask.status).to.equal(200);
    expect(fixtureProblems(perSubtask.json, 'subtasks-accumulators')).to.deep.equal([]);
    expect(perSubtask.json).to.deep.include({ id: counting.id, parallelism: PARALLELISM });
    expect(perSubtask.json.subtasks.map((s) => [s.subtask, s.attempt])).to.deep.equal([
      [0, 0],
      [1, 0],
    ]);
    let seen = 0;
    for (const s of perSubtask.json.subtasks) {
      expect(s.endpoint).to.not.equal('(unassigned)');
      const own = byName(s['user-accumulators']);
      const subtask = (
        await get<{ metrics: { 'read-records': number } }>(port, `/jobs/${jobId}/vertices/${counting.id}/subtasks/${s.subtask}`)
      ).json;
      expect(own.seen!.value, `subtask ${s.subtask} counted what it read`).to.equal(subtask.metrics['read-records']);
      seen += own.seen!.value as number;
    }
    expect(seen).to.equal(expected.seen);

    // A vertex without user accumulators has none; unknown and malformed vertices are 404 and 400.
    expect((await get(port, `/jobs/${jobId}/vertices/${source.id}/accumulators`)).json).to.deep.equal({
      id: source.id,
      'user-accumulators': [],
    });
    const unknown = await get<{ errors: string[] }>(port, `/jobs/${jobId}/vertices/${'0'.repeat(32)}/subtasks/accumulators`);
    expect(unknown.status).to.equal(404);
    expect(unknown.json.errors).to.be.an('array');
    expect((await get(port, `/jobs/${jobId}/vertices/nothex/accumulators`)).status).to.equal(400);
  });

  it('disposes of a savepoint (POST /savepoint-disposal, 200 with a request-id, polled until COMPLETED); a directory without _metadata stays', async () => {
    const dir = tempDir('disposal');
    try {
      const savepoint = path.join(dir, 'savepoint-abcdef-0123456789ab');
      fs.mkdirSync(savepoint);
      fs.writeFileSync(path.join(savepoint, 'state-0'), 'state bytes');
      await writeMetadata(savepoint, { jobId: 'ab'.repeat(16), checkpointId: 3, timestamp: Date.now(), savepoint: true, vertices: [] });
      const other = path.join(dir, 'not-a-savepoint');
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, 'precious'), 'keep me');

      const poll = async (id: string) =>
        until(async () => {
          const r = await get<{ status: { id: string }; operation?: Record<string, unknown> }>(port, `/savepoint-disposal/${id}`);
          expect(r.status).to.equal(200);
          return r.json.status.id === 'COMPLETED' ? r.json.operation : undefined;
        });
      const ok = await call<{ 'request-id': string }>(port, 'POST', '/savepoint-disposal', { 'savepoint-path': savepoint });
      expect(ok.status).to.equal(200);
      expect(await poll(ok.json['request-id'])).to.deep.equal({});
      expect(fs.existsSync(savepoint)).to.equal(false);

      const refused = await call<{ 'request-id': string }>(port, 'POST', '/savepoint-disposal', { 'savepoint-path': other });
      const failure = (await poll(refused.json['request-id'])) as { 'failure-cause': { 'stack-trace': string } };
      expect(failure['failure-cause']['stack-trace']).to.include('_metadata does not exist');
      expect(fs.readFileSync(path.join(other, 'precious'), 'utf8')).to.equal('keep me');

      expect((await call(port, 'POST', '/savepoint-disposal', {})).status).to.equal(400);
      expect((await get(port, `/savepoint-disposal/${'0'.repeat(32)}`)).status).to.equal(404);
    } finally {
      removeDir(dir);
    }
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
