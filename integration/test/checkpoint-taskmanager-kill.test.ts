import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { describeRun, runCli } from './cli-harness.js';
import { committedLines, expectedLines } from './jobs/checkpoint-verification-job.js';
import { processesWith, until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'checkpoint-verification-job.js');

/** The attempts whose output was committed (the sink's file names carry them). */
function committedAttempts(output: string): Set<number> {
  const dir = path.join(output, 'committed');
  if (!fs.existsSync(dir)) return new Set();
  return new Set(fs.readdirSync(dir).map((n) => Number(n.split('-')[3])));
}

describe('exactly-once recovery when TaskManager processes are killed (session cluster, local-process TaskManagers)', function () {
  this.timeout(300_000);
  let cluster: SessionCluster | undefined;

  after(async () => {
    await cluster?.stop();
  });

  it('(b) SIGKILL of a TaskManager that runs the job, three times in a row: committed output exact', async () => {
    cluster = await startSessionCluster('cp-kill', {
      taskManagers: 0,
      slotsPerTaskManager: 1,
      dynamic: [
        '-Dresourcemanager.driver=local-process',
        '-Dheartbeat.interval=500 ms',
        '-Dheartbeat.timeout=3 s',
        '-Dresourcemanager.taskmanager-timeout=60 s',
      ],
    });
    const output = path.join(cluster.dir, 'out');
    const n = 60_000;
    const args = [
      'run',
      '--no-typecheck',
      '-m',
      cluster.rest,
      '-d',
      '-Dexecution.checkpointing.interval=200 ms',
      `-Dexecution.checkpointing.dir=${path.join(cluster.dir, 'checkpoints')}`,
      '-Drestart-strategy.type=fixed-delay',
      '-Drestart-strategy.fixed-delay.attempts=20',
      '-Drestart-strategy.fixed-delay.delay=200 ms',
      JOB,
      '--n',
      String(n),
      '--rate',
      '2000',
      '--output',
      output,
    ];
    const r = await runCli(args, 60_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const status = async (): Promise<string> => (await cluster!.get<{ status: string }>(`/jobs/${jobId}/status`)).status;
    const killed: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      // A checkpoint completed in the attempt that runs now (its output was committed), then a TaskManager dies.
      const attempt = Math.max(-1, ...committedAttempts(output));
      await until(
        `a checkpoint committed after kill ${kill}`,
        async () => ((await status()) === 'RUNNING' && Math.max(-1, ...committedAttempts(output)) > attempt ? true : undefined),
        90_000,
      );
      // A TaskManager whose slot the job holds (an idle spare would not fail it).
      const { taskmanagers } = await cluster.get<{ taskmanagers: Array<{ id: string; freeSlots: number }> }>('/taskmanagers');
      const busy = taskmanagers.filter((tm) => tm.freeSlots === 0).map((tm) => tm.id);
      const victim = processesWith(cluster.dir).find((pid) => {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return !killed.includes(pid) && busy.some((id) => cmdline.includes(`taskmanager.resource-id=${id}`));
      });
      expect(victim, `a TaskManager process running the job (busy: ${busy.join(', ')})`).to.not.equal(undefined);
      process.kill(victim!, 'SIGKILL');
      killed.push(victim!);
    }
    await until('the job to finish', async () => ((await status()) === 'FINISHED' ? true : undefined), 180_000);
    const got = committedLines(output);
    const expected = expectedLines(n);
    const counts = new Map<string, number>();
    for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
    const lost = expected.filter((l) => !counts.has(l)).length;
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    expect({ lost, duplicated }).to.deep.equal({ lost: 0, duplicated: 0 });
    expect(got).to.deep.equal(expected);
    expect(committedAttempts(output).size).to.be.greaterThan(3);
    const [restarts] = await cluster.get<Array<{ id: string; value: string }>>(`/jobs/${jobId}/metrics?get=numRestarts`);
    expect(Number(restarts!.value)).to.be.at.least(3);
    const checkpoints = await cluster.get<Array<{ id: string; value: string }>>(
      `/jobs/${jobId}/metrics?get=numberOfCompletedCheckpoints,lastCheckpointRestoreTimestamp,uptime`,
    );
    const byId = Object.fromEntries(checkpoints.map((m) => [m.id, m.value]));
    expect(Number(byId['numberOfCompletedCheckpoints'])).to.be.greaterThan(0);
    expect(Number(byId['lastCheckpointRestoreTimestamp'])).to.be.greaterThan(0);
    expect(byId['uptime']).to.equal('-1');
    const config = await cluster.get<{ 'execution-config': { 'restart-strategy': string } }>(`/jobs/${jobId}/config`);
    expect(config['execution-config']['restart-strategy']).to.equal('Restart with fixed delay (200 ms). #20 restart attempts.');
    const history = await cluster.get<{ exceptionHistory: { entries: Array<{ stacktrace: string }> } }>(`/jobs/${jobId}/exceptions`);
    expect(history.exceptionHistory.entries.length).to.be.at.least(3);
  });
});
