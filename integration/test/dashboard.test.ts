import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startPrefixProxy, type Browser, type PrefixProxy } from './browser-harness.js';
import { describeRun, runCli } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const N = 3000;

interface Vertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  metrics: Record<string, number | boolean | string>;
}
interface JobDetails {
  state: string;
  vertices: Vertex[];
}
interface CheckpointTask {
  num_acknowledged_subtasks: number;
  checkpointed_size: number;
  end_to_end_duration: number;
}
interface CheckpointEntry extends CheckpointTask {
  id: number;
  status: string;
  trigger_timestamp: number;
  external_path: string;
}
interface CheckpointStats {
  counts: { total: number; in_progress: number; completed: number; failed: number; restored: number };
  latest: { completed: CheckpointEntry | null };
  history: CheckpointEntry[];
  summary: Record<string, { min: number; max: number; avg: number }>;
}
interface CheckpointSubtask {
  index: number;
  status: string;
  checkpointed_size: number;
  end_to_end_duration: number;
  checkpoint: { sync: number; async: number };
  start_delay: number;
}
interface Overview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
}

/** A bundle as the dashboard uploads it: plain ESM importing the engine. */
const BUNDLE = `import { StreamExecutionEnvironment } from '@spindle/datastream';
export async function main() {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromElements(1, 2, 3).map((x) => x * 10).name('Times ten').print();
  await env.execute('Uploaded from the dashboard');
}
`;

/**
 * The dashboard in headless Chromium against a session cluster of real processes, directly and
 * behind a prefix-stripping proxy like YARN's: the figures it shows are those of the REST API,
 * it cancels a job, shows a TaskManager's log and submits a bundle. Screenshots are kept in
 * integration/artifacts/dashboard/.
 */
describe('web dashboard in a browser', function () {
  this.timeout(120_000);
  let cluster: SessionCluster;
  let browser: Browser;
  let proxy: PrefixProxy;

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    cluster = await startSessionCluster('dashboard', {
      taskManagers: 2,
      slotsPerTaskManager: 2,
      dynamic: [
        '-Dheartbeat.interval=500 ms',
        '-Dheartbeat.timeout=20 s',
        '-Dmetrics.reporter.prom.port=0',
        '-Dweb.refresh-interval=300 ms',
      ],
    });
    proxy = await startPrefixProxy(cluster.rest, '/proxy/application_1700000000000_0001/');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    if (cluster) await cluster.stop();
  });

  /** Submits the dashboard job and waits until its keyed tasks have read every number. */
  async function runJob(): Promise<string> {
    const args = ['run', '--no-typecheck', '-m', cluster.rest, '-d', '-p', '2', 'integration/fixtures/webui-job.ts', '--n', String(N)];
    const r = await runCli(args, 90_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    await until(
      'the keyed tasks to have read every number',
      async () => {
        const job = await cluster.get<JobDetails>(`/jobs/${jobId}`);
        const down = job.vertices.find((v) => v.name.includes('Double'));
        return down?.metrics['read-records'] === N && down.metrics['read-records-complete'] ? true : undefined;
      },
      60_000,
    );
    return jobId;
  }

  async function open(page: Page, base: string, hash: string): Promise<void> {
    await page.goto(`${base}#/${hash}`);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Waits until the page shows what `read` finds equal to `expected` (the page polls the REST API). */
  async function shows<T>(what: string, read: () => Promise<T>, expected: T): Promise<void> {
    let last: T | undefined;
    await until(
      what,
      async () => {
        last = await read();
        return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
      },
      15_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the page shows ${JSON.stringify(last)}, REST ${JSON.stringify(expected)}`);
    });
  }

  async function checkDashboard(name: string, base: string): Promise<void> {
    const jobId = await runJob();
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // Overview: the cluster's figures.
      await open(page, base, 'overview');
      const overview = await cluster.get<Overview>('/overview');
      const card = (id: string) => page.getByTestId(id).textContent();
      await shows(
        'the overview',
        async () => [
          await card('overview-taskmanagers'),
          await card('overview-slots-total'),
          await card('overview-slots-available'),
          await card('overview-jobs-running'),
        ],
        [
          String(overview.taskmanagers),
          String(overview['slots-total']),
          String(overview['slots-available']),
          String(overview['jobs-running']),
        ],
      );
      await page.locator(`[data-testid=running-jobs] tr[data-job-id="${jobId}"]`).waitFor();
      await shot(page, `${name}-overview`);

      // The job's graph: every vertex with the figures of /jobs/:jobid.
      await page.locator(`[data-testid=running-jobs] tr[data-job-id="${jobId}"] a`).click();
      await page.getByTestId('job-graph').waitFor();
      const job = await cluster.get<JobDetails>(`/jobs/${jobId}`);
      expect(job.vertices).to.have.length(3);
      for (const v of job.vertices) {
        const node = page.locator(`svg.dag g[data-vertex-id="${v.id}"]`);
        const field = async (f: string) => node.locator(`text[data-field="${f}"]`).getAttribute('data-value');
        await shows(`vertex ${v.name}`, async () => [await field('status'), await field('read-records'), await field('write-records')], [
          v.status,
          String(v.metrics['read-records']),
          String(v.metrics['write-records']),
        ]);
        expect(await node.textContent()).to.include(`Parallelism ${v.parallelism}`);
        const row = page.locator(`[data-testid=vertices] tr[data-vertex-id="${v.id}"]`);
        expect(await row.locator('[data-field=read-records]').textContent()).to.equal(
          Number(v.metrics['read-records']).toLocaleString('en-US'),
        );
      }
      const down = job.vertices.find((v) => v.name.includes('Double'))!;
      expect(await page.locator(`svg.dag g[data-vertex-id="${down.id}"]`).textContent()).to.include(
        `In: ${N.toLocaleString('en-US')} records`,
      );
      await shot(page, `${name}-job-graph`);

      // The keyed vertex's subtasks: TaskManager, attempt and records as /vertices/:vertexid.
      await page.locator(`svg.dag g[data-vertex-id="${down.id}"]`).click();
      await page.locator(`[data-testid=subtasks][data-vertex-id="${down.id}"]`).waitFor();
      const vertex = await cluster.get<{
        subtasks: Array<{ subtask: number; attempt: number; 'taskmanager-id': string; metrics: Record<string, number> }>;
      }>(`/jobs/${jobId}/vertices/${down.id}`);
      for (const s of vertex.subtasks) {
        const row = page.locator(`[data-testid=subtasks] tr[data-subtask="${s.subtask}"]`);
        await shows(
          `subtask ${s.subtask}`,
          async () => [
            await row.locator('[data-field=taskmanager-id]').textContent(),
            await row.locator('[data-field=attempt]').textContent(),
            await row.locator('[data-field=read-records]').textContent(),
          ],
          [s['taskmanager-id'], String(s.attempt), s.metrics['read-records']!.toLocaleString('en-US')],
        );
      }
      await shot(page, `${name}-subtasks`);

      // A TaskManager's own log, from its page.
      const tm = vertex.subtasks[0]!['taskmanager-id'];
      await page.locator(`[data-testid=subtasks] tr[data-subtask="0"] [data-field=taskmanager-id] a`).click();
      await page.getByTestId('taskmanager').waitFor();
      await shot(page, `${name}-taskmanager`);
      await page.getByText('Log of this Task Manager').click();
      const log = page.getByTestId('log-text');
      await log.waitFor();
      expect(await log.textContent())
        .to.include('TaskManager started')
        .and.include(tm);
      await shot(page, `${name}-taskmanager-log`);

      // Its thread dump: the slot worker thread that runs subtask 0 of the keyed vertex names it.
      await open(page, base, `taskmanagers/${encodeURIComponent(tm)}`);
      await page.getByText('Thread Dump').click();
      const dump = page.getByTestId('thread-dump');
      await dump.waitFor();
      const slotThreads = await dump.locator('[data-thread^="Slot "] pre').allTextContents();
      expect(
        slotThreads.filter((t) => t.includes(`- task ${down.name} (1/${down.parallelism})#${vertex.subtasks[0]!.attempt} RUNNING`)),
        slotThreads.join('\n'),
      ).to.have.length(1);
      await shot(page, `${name}-taskmanager-threads`);

      // Cancel the job from its page.
      await open(page, base, `jobs/${jobId}`);
      await page.getByTestId('cancel-job').click();
      await page.getByTestId('confirm-cancel').click();
      await until(
        'CANCELED',
        async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined),
        30_000,
      );
      await page.locator('[data-testid=job] h1 .badge', { hasText: 'CANCELED' }).waitFor();
      await shot(page, `${name}-cancelled`);

      expect(errors, 'errors in the page').to.deep.equal([]);
      const prefix = new URL(base);
      const outside = requests.filter((u) => !u.startsWith(`${prefix.origin}${prefix.pathname}`));
      expect(outside, 'requests outside the dashboard URL').to.deep.equal([]);
    } finally {
      await page.close();
    }
  }

  it('shows the real figures of the overview, a running job graph and its subtasks, opens a TaskManager log and cancels the job', async () => {
    await checkDashboard('direct', `http://${cluster.rest}/`);
  });

  it("does the same behind a path prefix, as behind YARN's proxy, and submits a bundle", async () => {
    await checkDashboard('prefix', proxy.url);
    const page = await browser.context.newPage();
    try {
      // Without the trailing slash, the page moves to the URL with it, so relative URLs resolve under the prefix.
      await page.goto(proxy.url.replace(/\/$/, ''));
      await page.getByTestId('overview').waitFor();
      expect(page.url().startsWith(proxy.url), page.url()).to.equal(true);
      await page.goto(`${proxy.url}#/submit`);
      const bundle = path.join(cluster.dir, 'from-dashboard.mjs');
      fs.writeFileSync(bundle, BUNDLE);
      await page.getByTestId('bundle-file').setInputFiles(bundle);
      await page.getByTestId('upload').click();
      await page.getByTestId('submit-message').filter({ hasText: 'Uploaded from-dashboard.mjs' }).waitFor();
      await page.getByTestId('run-jar').first().click();
      await page.getByTestId('job-graph').waitFor();
      const jobId = await page.getByTestId('job').getAttribute('data-job-id');
      await until(
        'the uploaded job to finish',
        async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'FINISHED' ? true : undefined),
        30_000,
      );
      await page.locator('[data-testid=job] h1 .badge', { hasText: 'FINISHED' }).waitFor();
      expect(await page.getByTestId('job').textContent()).to.include('Uploaded from the dashboard');
      await shot(page, 'prefix-submitted');
    } finally {
      await page.close();
    }
  });

  it("shows a checkpointing job's checkpoints (counts, latest, history, summary, configuration, per vertex and per subtask) as REST reports them", async () => {
    const args = [
      'run',
      '--no-typecheck',
      '-m',
      cluster.rest,
      '-d',
      '-p',
      '2',
      '-D',
      'execution.checkpointing.interval=400 ms',
      '-D',
      `execution.checkpointing.dir=${path.join(cluster.dir, 'checkpoints')}`,
      'integration/fixtures/webui-job.ts',
      '--n',
      '500',
    ];
    const r = await runCli(args, 90_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const stats = () => cluster.get<CheckpointStats>(`/jobs/${jobId}/checkpoints`);
    await until('two completed checkpoints', async () => ((await stats()).counts.completed >= 2 ? true : undefined), 60_000);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    try {
      await open(page, proxy.url, `jobs/${jobId}/checkpoints`);
      const completedCard = async () => Number(await page.getByTestId('checkpoints-completed').textContent());
      // While the job runs, the tab refreshes: it shows what REST reports, then more.
      let seen = 0;
      await until(
        'the completed count of REST on the page',
        async () => {
          const [shown, rest] = [await completedCard(), (await stats()).counts.completed];
          seen = shown;
          return shown === rest ? true : undefined;
        },
        15_000,
      );
      await until('a newer completed checkpoint on the page', async () => ((await completedCard()) > seen ? true : undefined), 15_000);

      // A checkpoint on request (Flink's POST /jobs/:jobid/checkpoints) completes and is in the history.
      const trigger = await fetch(`http://${cluster.rest}/jobs/${jobId}/checkpoints`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ checkpointType: 'FULL' }),
      });
      expect(trigger.status).to.equal(202);
      const requestId = ((await trigger.json()) as { 'request-id': string })['request-id'];
      const requested = await until(
        'the requested checkpoint to complete',
        async () => {
          const op = await cluster.get<{ status: { id: string }; operation?: { checkpointId?: number } }>(
            `/jobs/${jobId}/checkpoints/${requestId}`,
          );
          return op.status.id === 'COMPLETED' ? op.operation : undefined;
        },
        30_000,
      );
      expect(requested?.checkpointId, JSON.stringify(requested)).to.be.a('number');
      const entry = (await stats()).history.find((c) => c.id === requested.checkpointId);
      expect(entry?.status).to.equal('COMPLETED');

      // Cancelled, the job's statistics stay: every figure is compared with REST's.
      const cancel = await fetch(`http://${cluster.rest}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
      expect(cancel.status).to.equal(202);
      await until(
        'CANCELED',
        async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined),
        30_000,
      );
      const final = await stats();
      expect(final.counts.completed).to.be.at.least(2);
      const card = (id: string) => page.getByTestId(`checkpoints-${id}`).textContent();
      await shows(
        'the counts',
        async () => [await card('total'), await card('in_progress'), await card('completed'), await card('failed'), await card('restored')],
        [final.counts.total, final.counts.in_progress, final.counts.completed, final.counts.failed, final.counts.restored].map(String),
      );
      const value = (row: Locator, field: string) => row.locator(`[data-field=${field}]`).first().getAttribute('data-value');
      const latest = final.latest.completed!;
      const latestRow = page.getByTestId('latest-completed');
      await shows(
        'the latest completed checkpoint',
        async () => [await latestRow.getAttribute('data-checkpoint-id'), await value(latestRow, 'checkpointed_size')],
        [String(latest.id), String(latest.checkpointed_size)],
      );
      expect(await latestRow.textContent()).to.include(latest.external_path);
      for (const c of final.history) {
        const row = page.locator(`[data-testid=checkpoint-history] tr[data-checkpoint-id="${c.id}"]`);
        expect(
          [
            await row.locator('[data-field=status]').textContent(),
            await value(row, 'num_acknowledged_subtasks'),
            await value(row, 'trigger_timestamp'),
            await value(row, 'end_to_end_duration'),
            await value(row, 'checkpointed_size'),
          ],
          `history entry ${c.id}`,
        ).to.deep.equal([
          c.status,
          String(c.num_acknowledged_subtasks),
          String(c.trigger_timestamp),
          String(c.end_to_end_duration),
          String(c.checkpointed_size),
        ]);
      }
      const summaryRow = page.locator('[data-testid=checkpoint-summary] tr[data-field=checkpointed_size]');
      const s = final.summary.checkpointed_size!;
      expect([await value(summaryRow, 'min'), await value(summaryRow, 'max'), await value(summaryRow, 'avg')]).to.deep.equal(
        [s.min, s.max, s.avg].map(String),
      );
      const config = page.getByTestId('checkpoint-config');
      expect(await config.textContent())
        .to.include('Exactly Once')
        .and.include('400 ms');
      await shot(page, 'checkpoints');

      // One checkpoint: its vertices, then the subtasks of a source that holds state.
      await latestRow.locator('a').click();
      await page.locator(`[data-testid=checkpoint-details][data-checkpoint-id="${latest.id}"]`).waitFor();
      const details = await cluster.get<{ tasks: Record<string, CheckpointTask> }>(`/jobs/${jobId}/checkpoints/details/${latest.id}`);
      const job = await cluster.get<JobDetails>(`/jobs/${jobId}`);
      for (const v of job.vertices) {
        const t = details.tasks[v.id]!;
        const row = page.locator(`[data-testid=checkpoint-vertices] tr[data-vertex-id="${v.id}"]`);
        expect(
          [await value(row, 'num_acknowledged_subtasks'), await value(row, 'checkpointed_size'), await value(row, 'end_to_end_duration')],
          v.name,
        ).to.deep.equal([t.num_acknowledged_subtasks, t.checkpointed_size, t.end_to_end_duration].map(String));
      }
      // The endless generator keeps its position as state (the sequence source has finished by now).
      const source = job.vertices.find((v) => v.name.includes('Ticker'))!;
      expect(details.tasks[source.id]!.checkpointed_size, JSON.stringify(details.tasks)).to.be.above(0);
      await page.locator(`[data-testid=checkpoint-vertices] tr[data-vertex-id="${source.id}"] a`).click();
      await page.locator(`[data-testid=checkpoint-subtasks][data-vertex-id="${source.id}"]`).waitFor();
      const perSubtask = await cluster.get<{ subtasks: CheckpointSubtask[] }>(
        `/jobs/${jobId}/checkpoints/details/${latest.id}/subtasks/${source.id}`,
      );
      expect(perSubtask.subtasks).to.have.length(2);
      for (const st of perSubtask.subtasks) {
        expect(st.status).to.equal('completed');
        const row = page.locator(`[data-testid=checkpoint-subtasks] tr[data-subtask="${st.index}"]`);
        expect(
          [
            await value(row, 'checkpointed_size'),
            await value(row, 'end_to_end_duration'),
            await value(row, 'sync'),
            await value(row, 'async'),
            await value(row, 'start_delay'),
          ],
          `subtask ${st.index}`,
        ).to.deep.equal(
          [st.checkpointed_size, st.end_to_end_duration, st.checkpoint.sync, st.checkpoint.async, st.start_delay].map(String),
        );
      }
      await shot(page, 'checkpoint-details');
      expect(errors, 'errors in the page').to.deep.equal([]);
      expect(
        requests.filter((u) => !u.startsWith(proxy.url)),
        'requests outside the dashboard URL',
      ).to.deep.equal([]);
    } finally {
      await page.close();
    }
  });
});
