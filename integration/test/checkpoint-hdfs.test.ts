import { expect } from 'chai';
import { childPath, configureLogging, fileSystemFor } from '@spindle/core';
import { readText } from '@spindle/core/testing';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import type { HadoopCluster } from '../hadoop/harness.js';
import { hadoopEnv } from '../hadoop/harness.js';
import { sharedHadoop, skipWithoutHadoop, uniqueHdfsDir } from './hdfs-cluster.js';
import { buildVerificationJob, expectedLines } from './jobs/checkpoint-verification-job.js';

configureLogging({ level: 'error' });

/** The lines of the finished part files of a FileSink directory (hidden in-progress files excluded). */
async function finishedLines(dir: string): Promise<{ files: string[]; lines: string[] }> {
  const { fs } = await fileSystemFor(dir);
  const files = (await fs.list(dir)).filter((s) => !s.isDirectory && !s.name.startsWith('.')).map((s) => s.name);
  let lines: string[] = [];
  for (const f of files) lines = lines.concat((await readText(fs, childPath(dir, f))).split('\n').filter((l) => l !== ''));
  return { files, lines: lines.sort() };
}

describe('exactly-once recovery with checkpoints and a FileSink on HDFS (real Hadoop)', function () {
  this.timeout(240_000);
  let cluster: HadoopCluster;
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
    // hdfs:/// resolves through fs.defaultFS of HADOOP_CONF_DIR, in this process and its slot workers.
    for (const [k, v] of Object.entries(hadoopEnv(cluster))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });

  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('a user function that throws after N records: the committed part files hold every record exactly once', async () => {
    const base = uniqueHdfsDir('checkpoint-filesink');
    const output = childPath(base, 'out');
    const checkpoints = childPath(base, 'checkpoints');
    // Checkpoints are written to HDFS too; a finished job's checkpoints are discarded, as in Flink.
    const n = 8_000;
    const env = StreamExecutionEnvironment.getExecutionEnvironment({
      'execution.checkpointing.interval': '200 ms',
      'execution.checkpointing.dir': checkpoints,
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '3',
      'restart-strategy.fixed-delay.delay': '100 ms',
    });
    // Each of the 2 subtasks maps about n/2 records, so the first attempt always fails (at 2500) and the job finishes only
    // after a restart; which parts the first attempt committed depends on how many checkpoints completed before.
    buildVerificationJob(env, { n, recordsPerSecond: 4000, failAfter: 2500, output, fileSink: true });
    await env.execute('verification on HDFS');

    const { lines } = await finishedLines(output);
    const expected = expectedLines(n);
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    const lost = expected.filter((l) => !counts.has(l)).length;
    expect({ lost, duplicated }).to.deep.equal({ lost: 0, duplicated: 0 });
    expect(lines).to.deep.equal(expected);
  });
});
