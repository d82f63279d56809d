import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { describeRun, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { expectedStageLines } from './jobs/batch-stages-job.js';
import { processesWith, until } from './process-harness.js';
import { startSessionCluster, taskManagerPid, type SessionCluster } from './session-cluster.js';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'batch-stages-job.js');

interface Subtask {
  subtask: number;
  status: string;
  attempt: number;
  'start-time': number;
  'end-time': number;
  'taskmanager-id': string;
}
interface Vertex {
  id: string;
  name: string;
  subtasks: Subtask[];
}

/** The blocking partition files left under the TaskManagers' io.tmp.dirs. */
function partitionFiles(tmp: string): string[] {
  return fs.readdirSync(tmp).flatMap((d) => fs.readdirSync(path.join(tmp, d)).map((f) => path.join(d, f)));
}

describe('BATCH: blocking partitions and lazy region scheduling on a session cluster of 2 TaskManagers x 1 slot', function () {
  this.timeout(300_000);
  let cluster: SessionCluster | undefined;
  let tmp: string;
  let killed = 0;

  before(async () => {
    tmp = tempDir('batch-tmp');
    cluster = await startSessionCluster('batch', {
      taskManagers: 2,
      slotsPerTaskManager: 1,
      dynamic: ['-Dheartbeat.interval=500 ms', '-Dheartbeat.timeout=3 s', `-Dio.tmp.dirs=${tmp}`],
    });
  });

  after(async () => {
    await cluster?.stop();
    // The TaskManagers removed their partition directories when they shut down; one killed with SIGKILL could not.
    expect(fs.readdirSync(tmp)).to.have.length.at.most(killed);
    removeDir(tmp);
  });

  async function submit(name: string, extra: string[]): Promise<{ jobId: string; output: string }> {
    const output = path.join(cluster!.dir, name);
    const args = ['run', '--no-typecheck', '-m', cluster!.rest, '-d', ...extra.filter((a) => a.startsWith('-D')), JOB];
    args.push('--output', output, '--name', name, ...extra.filter((a) => !a.startsWith('-D')));
    const r = await runCli(args, 60_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    return { jobId: /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!, output };
  }

  const status = async (jobId: string): Promise<string> => (await cluster!.get<{ status: string }>(`/jobs/${jobId}/status`)).status;

  async function finished(jobId: string): Promise<void> {
    await until(
      `job ${jobId} to finish`,
      async () => {
        const s = await status(jobId);
        if (s === 'FAILED' || s === 'CANCELED') throw new Error(`job ${jobId} ended ${s}`);
        return s === 'FINISHED' ? true : undefined;
      },
      180_000,
    );
  }

  async function vertices(jobId: string): Promise<Vertex[]> {
    const job = await cluster!.get<{ vertices: Array<{ id: string; name: string }> }>(`/jobs/${jobId}`);
    return Promise.all(
      job.vertices.map(async (v) => ({ ...(await cluster!.get<Vertex>(`/jobs/${jobId}/vertices/${v.id}`)), name: v.name })),
    );
  }

  it('runs three stages of parallelism 4 in 2 slots, each stage only after its blocking input stage finished, with the exact result; the partitions are released', async () => {
    const n = 200_000;
    const { jobId, output } = await submit('three-stages', ['--n', String(n)]);
    await finished(jobId);
    expect(readPartFiles(output).lines.sort()).to.deep.equal(expectedStageLines(n));
    const stages = await vertices(jobId);
    expect(stages.map((v) => v.subtasks.length)).to.deep.equal([4, 4, 4]);
    for (let i = 1; i < stages.length; i++) {
      const inputDone = Math.max(...stages[i - 1]!.subtasks.map((s) => s['end-time']));
      const firstStart = Math.min(...stages[i]!.subtasks.map((s) => s['start-time']));
      expect(firstStart, `${stages[i]!.name} starts after every task of ${stages[i - 1]!.name} finished`).to.be.at.least(inputDone);
    }
    for (const v of stages)
      for (const s of v.subtasks) expect([s.status, s.attempt], `${v.name} ${s.subtask}`).to.deep.equal(['FINISHED', 0]);
    // Never more than 2 tasks at once: the 12 tasks ran in the cluster's 2 slots.
    const spans = stages.flatMap((v) => v.subtasks.map((s) => [s['start-time'], s['end-time']] as const));
    for (const [start] of spans) expect(spans.filter(([s, e]) => s <= start && start < e).length).to.be.at.most(2);
    await until('the blocking partition files to be deleted', async () => (partitionFiles(tmp).length === 0 ? true : undefined), 20_000);
    expect(fs.readdirSync(tmp), 'one partition directory per TaskManager').to.have.length(2);
  });

  it('still deploys a STREAMING job eagerly: every task before any task finished', async () => {
    const n = 20_000;
    const { jobId, output } = await submit('streaming', ['--n', String(n), '--mode', 'STREAMING', '--parallelism', '2']);
    await finished(jobId);
    // Rolling sums: stage 3 emits one sum per record that stage 2 emitted, and stage 2 one per number.
    expect(readPartFiles(output).lines).to.have.length(n);
    const subtasks = (await vertices(jobId)).flatMap((v) => v.subtasks);
    expect(subtasks).to.have.length(6);
    const lastStart = Math.max(...subtasks.map((s) => s['start-time']));
    const firstEnd = Math.min(...subtasks.map((s) => s['end-time']));
    expect(lastStart).to.be.at.most(firstEnd);
  });

  it('reruns the finished producers whose TaskManager was killed (local storage), and only those, with the exact result', async () => {
    const n = 100_000;
    const { jobId, output } = await submit('kill', [
      '--n',
      String(n),
      '--spin-ms',
      '2500',
      '-Drestart-strategy.type=fixed-delay',
      '-Drestart-strategy.fixed-delay.attempts=30',
      '-Drestart-strategy.fixed-delay.delay=200 ms',
    ]);
    const stage1 = await until(
      'stage 1 to finish',
      async () => {
        const [first, second] = await vertices(jobId);
        const done = first!.subtasks.every((s) => s.status === 'FINISHED');
        return done && second!.subtasks.some((s) => s.status !== 'CREATED' && s.status !== 'SCHEDULED') ? first! : undefined;
      },
      120_000,
    );
    const victimId = stage1.subtasks[0]!['taskmanager-id'];
    const victim = taskManagerPid(cluster!.dir, victimId);
    expect(processesWith(cluster!.dir), `the process of TaskManager ${victimId}`).to.include(victim);
    process.kill(victim, 'SIGKILL');
    killed++;
    await finished(jobId);
    expect(readPartFiles(output).lines.sort()).to.deep.equal(expectedStageLines(n));
    const after = (await vertices(jobId))[0]!;
    // Exactly the producers whose partitions died with the TaskManager ran a second attempt.
    const expected = stage1.subtasks.map((s) => (s['taskmanager-id'] === victimId ? 1 : 0));
    expect(after.subtasks.map((s) => s.attempt)).to.deep.equal(expected);
    expect(after.subtasks.map((s) => s.status)).to.deep.equal(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    const [restarts] = await cluster!.get<Array<{ id: string; value: string }>>(`/jobs/${jobId}/metrics?get=numRestarts`);
    expect(Number(restarts!.value)).to.be.at.least(1);
  });
});
