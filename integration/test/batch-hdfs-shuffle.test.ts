import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { hadoopEnv } from '../hadoop/harness.js';
import type { HadoopCluster } from '../hadoop/harness.js';
import { describeRun, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { clusterFileSystem, hadoopEnvironment, sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';
import { buildGatedWordCount, expectedWordCounts } from './jobs/gated-word-count-job.js';
import { processesWith, until } from './process-harness.js';
import { startSessionCluster, taskManagerPid, type SessionCluster } from './session-cluster.js';

configureLogging({ level: 'error' });

const JOB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', 'gated-word-count-job.js');
const N = 60_000;
const WORDS = 97;

interface Subtask {
  subtask: number;
  status: string;
  attempt: number;
  'taskmanager-id': string;
}

/** A subtask as it ended, and whether its first attempt ran on the TaskManager that was killed. */
type Ran = Subtask & { onVictim: boolean };

/**
 * A BATCH word count (stage "Words" → keyBy → stage "Count", parallelism 2) on a session cluster
 * of 2 TaskManager processes x 1 slot. Once "Words" finished and "Count" runs (held at a gate
 * file), the TaskManager that ran producer subtask 0 is killed with SIGKILL; the gate opens only
 * after the JobMaster noticed the loss, so what reruns depends on the storage alone.
 */
describe('BATCH: blocking partitions on HDFS survive the loss of their TaskManager (real Hadoop, 2 TaskManager processes x 1 slot)', function () {
  this.timeout(300_000);
  let hadoop: HadoopCluster;
  let cluster: SessionCluster | undefined;

  before(async function () {
    skipWithoutHadoop(this);
    hadoop = await sharedHadoop();
  });

  let tmp: string | undefined;

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
    // The killed TaskManager could not remove its partition directory under io.tmp.dirs.
    removeDir(tmp);
    tmp = undefined;
  });

  /** Runs the scenario; answers the subtasks as they ended, and the TaskManager each had run on before the kill. */
  async function runKillScenario(
    storage: string,
    beforeKill: (jobId: string) => Promise<void> = async () => undefined,
  ): Promise<{ jobId: string; producers: Ran[]; consumers: Ran[] }> {
    tmp = tempDir('hdfs-shuffle-tmp');
    cluster = await startSessionCluster('hdfs-shuffle', {
      taskManagers: 2,
      slotsPerTaskManager: 1,
      dynamic: ['-Dheartbeat.interval=500 ms', '-Dheartbeat.timeout=3 s', `-Dio.tmp.dirs=${tmp}`],
      env: hadoopEnvironment(hadoop),
    });
    const c = cluster;
    const output = path.join(c.dir, 'out');
    const gate = path.join(c.dir, 'gate');
    const args = ['run', '--no-typecheck', '-m', c.rest, '-d', `-Dshuffle.blocking.storage=${storage}`];
    args.push(
      '-Drestart-strategy.type=fixed-delay',
      '-Drestart-strategy.fixed-delay.attempts=10',
      '-Drestart-strategy.fixed-delay.delay=200 ms',
    );
    args.push(JOB, '--n', String(N), '--words', String(WORDS), '--gate', gate, '--output', output);
    const r = await runCli(args, 60_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const vertices = async (): Promise<Subtask[][]> => {
      const job = await c.get<{ vertices: Array<{ id: string }> }>(`/jobs/${jobId}`);
      return Promise.all(job.vertices.map(async (v) => (await c.get<{ subtasks: Subtask[] }>(`/jobs/${jobId}/vertices/${v.id}`)).subtasks));
    };
    // The producer stage finished; both consumers run (held at the gate), one in each TaskManager's slot.
    const [producers, consumers] = await until(
      'stage Words to finish while stage Count runs',
      async () => {
        const [first, second] = await vertices();
        const ready = first!.every((s) => s.status === 'FINISHED') && second!.every((s) => s.status === 'RUNNING');
        return ready ? [first!, second!] : undefined;
      },
      120_000,
    );
    expect(new Set(consumers.map((s) => s['taskmanager-id'])).size, 'one consumer per TaskManager').to.equal(2);
    await beforeKill(jobId);
    const victimId = producers[0]!['taskmanager-id'];
    const victim = taskManagerPid(c.dir, victimId);
    expect(processesWith(c.dir), `the process of TaskManager ${victimId}`).to.include(victim);
    process.kill(victim, 'SIGKILL');
    await until(
      'the JobMaster to notice the lost TaskManager',
      async () => {
        const history = await c.get<{ exceptionHistory: { entries: unknown[] } }>(`/jobs/${jobId}/exceptions`);
        return history.exceptionHistory.entries.length > 0 ? true : undefined;
      },
      60_000,
    );
    fs.writeFileSync(gate, '');
    const status = await until(
      `job ${jobId} to end`,
      async () => {
        const s = (await c.get<{ status: string }>(`/jobs/${jobId}/status`)).status;
        return ['FINISHED', 'FAILED', 'CANCELED'].includes(s) ? s : undefined;
      },
      180_000,
    );
    expect(status).to.equal('FINISHED');
    expect(readPartFiles(output).lines.sort()).to.deep.equal(expectedWordCounts(N, WORDS));
    const [afterProducers, afterConsumers] = await vertices();
    const ran = (before: Subtask[]) => (s: Subtask, i: number) => ({ ...s, onVictim: before[i]!['taskmanager-id'] === victimId });
    return { jobId, producers: afterProducers!.map(ran(producers)), consumers: afterConsumers!.map(ran(consumers)) };
  }

  it('hdfs:// storage: the consumer on the killed TaskManager restarts, the producers do not rerun, and the partitions are deleted', async () => {
    const storage = uniqueHdfsDir('blocking-storage');
    const hdfs = clusterFileSystem(hadoop);
    const { jobId, producers, consumers } = await runKillScenario(storage, async (id) => {
      // Both producers published their partition (one per producer subtask), complete, under <dir>/<jobId>/.
      const published = await hdfs.list(`${storage}/${id}`);
      expect(published.map((s) => s.name).filter((n) => !n.startsWith('.'))).to.have.length(2);
      for (const p of published) expect((await hdfs.list(p.path)).map((f) => f.name)).to.deep.equal(['data', 'index']);
    });
    expect(producers.map((s) => [s.status, s.attempt])).to.deep.equal([
      ['FINISHED', 0],
      ['FINISHED', 0],
    ]);
    expect(consumers.map((s) => s.status)).to.deep.equal(['FINISHED', 'FINISHED']);
    expect(consumers.filter((s) => s.onVictim)).to.have.length(1);
    expect(consumers.map((s) => s.attempt)).to.deep.equal(consumers.map((s) => (s.onVictim ? 1 : 0)));
    // The JobMaster deleted the job's partitions (and its directory) when the job ended.
    await until(
      'the job directory on HDFS to be deleted',
      async () => ((await hdfs.status(`${storage}/${jobId}`)) === undefined ? true : undefined),
      30_000,
    );
    const left = (await hdfs.status(storage)) === undefined ? [] : await hdfs.list(storage);
    expect(left.map((s) => s.name)).to.deep.equal([]);
  });

  it('local storage: the producer on the killed TaskManager reruns, and both consumers restart', async () => {
    const { producers, consumers } = await runKillScenario('local');
    expect(producers.map((s) => s.status)).to.deep.equal(['FINISHED', 'FINISHED']);
    expect(producers[0]!.onVictim).to.equal(true);
    expect(producers.map((s) => s.attempt)).to.deep.equal(producers.map((s) => (s.onVictim ? 1 : 0)));
    // Both consumers read the rerun producer's partition: both run again.
    expect(consumers.map((s) => [s.status, s.attempt])).to.deep.equal([
      ['FINISHED', 1],
      ['FINISHED', 1],
    ]);
  });

  describe('in a local run (embedded mini cluster)', () => {
    const saved: Record<string, string | undefined> = {};
    let dir: string;

    before(() => {
      // hdfs:/// resolves through fs.defaultFS of HADOOP_CONF_DIR, in this process and its slot workers.
      for (const [k, v] of Object.entries(hadoopEnv(hadoop))) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      dir = tempDir('hdfs-shuffle-local');
      fs.writeFileSync(path.join(dir, 'gate'), '');
    });

    after(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      removeDir(dir);
    });

    function environment(storage: string): StreamExecutionEnvironment {
      const env = StreamExecutionEnvironment.getExecutionEnvironment({
        'shuffle.blocking.storage': storage,
        'restart-strategy.type': 'none',
      });
      return env.setParallelism(2).setRuntimeMode('BATCH');
    }

    /** What is left under `storage` once the job's directory is gone; the storage directory exists only if partitions were published. */
    async function leftUnder(storage: string): Promise<string[]> {
      const hdfs = clusterFileSystem(hadoop);
      expect(await hdfs.status(storage), `${storage} (created by publishing partitions)`).to.not.equal(undefined);
      let left: string[] = [];
      await until(
        `${storage} to be empty`,
        async () => {
          left = (await hdfs.status(storage)) === undefined ? [] : (await hdfs.list(storage)).map((s) => s.name);
          return left.length === 0 ? true : undefined;
        },
        20_000,
      ).catch(() => undefined);
      return left;
    }

    it('a finished job: the exact word counts, and no partition left on HDFS', async () => {
      const storage = uniqueHdfsDir('blocking-local-run');
      const output = path.join(dir, 'finished');
      const env = environment(storage);
      buildGatedWordCount(env, { n: N, words: WORDS, gate: path.join(dir, 'gate'), output });
      await env.execute('gated word count, local run');
      expect(readPartFiles(output).lines.sort()).to.deep.equal(expectedWordCounts(N, WORDS));
      expect(await leftUnder(storage)).to.deep.equal([]);
    });

    it('a job that fails after its producer stage published: no partition left on HDFS', async () => {
      const storage = uniqueHdfsDir('blocking-local-fail');
      const env = environment(storage);
      buildGatedWordCount(env, { n: N, words: WORDS, gate: path.join(dir, 'gate'), output: path.join(dir, 'failed'), fail: true });
      let error: Error | undefined;
      await env.execute('failing gated word count').catch((e: Error) => (error = e));
      expect(String(error)).to.contain('the count fails on purpose');
      expect(await leftUnder(storage)).to.deep.equal([]);
    });
  });
});
