import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HadoopConfiguration, hdfsFileSystem, type HdfsFileSystem } from '@spindle/hdfs';
import { hadoopEnv, startHadoop, stopHadoop, type HadoopCluster, type HadoopOptions } from '../hadoop/harness.js';
import { REPO_ROOT } from './cli-harness.js';

/**
 * The real Hadoop of the HDFS tests, started once per test process through the harness (or
 * found running, e.g. after `npm run hadoop -- start`) and stopped at the end of the run when
 * this process started it. HA tests use a cluster of their own in another home.
 */
const clusters = new Map<string, Promise<HadoopCluster>>();
const startedHere = new Set<string>();

export const HA_HOME = path.join(REPO_ROOT, '.spindle', 'hadoop-ha');

export function sharedHadoop(options: HadoopOptions = {}): Promise<HadoopCluster> {
  const key = options.home ?? '';
  let cluster = clusters.get(key);
  if (cluster === undefined) {
    cluster = startHadoop(options).then((c) => {
      if (!c.alreadyRunning) startedHere.add(key);
      return c;
    });
    clusters.set(key, cluster);
  }
  return cluster;
}

/** Stops a cluster this process started; one found running stays up. */
export async function releaseHadoop(options: HadoopOptions = {}): Promise<void> {
  const key = options.home ?? '';
  if (!clusters.has(key)) return;
  clusters.delete(key);
  if (startedHere.delete(key)) await stopHadoop(options);
}

// A root hook: runs once after every test file of the run.
after(async function () {
  this.timeout(120_000);
  for (const key of [...clusters.keys()]) await releaseHadoop(key === '' ? {} : { home: key });
});

/** The environment that points a CLI run (or any Hadoop client) at the cluster. */
export function hadoopEnvironment(cluster: HadoopCluster, user?: string): Record<string, string> {
  return { ...hadoopEnv(cluster), ...(user === undefined ? {} : { HADOOP_USER_NAME: user }) };
}

/** The hdfs:// file system of an authority ('' = fs.defaultFS) on the cluster, acting as `user` (default: the superuser). */
export function clusterFileSystem(cluster: HadoopCluster, authority = '', user = cluster.user): HdfsFileSystem {
  return hdfsFileSystem(authority, {
    hadoopConfiguration: HadoopConfiguration.fromDirectory(cluster.confDir, 'the harness'),
    user,
    retry: { baseDelayMs: 50, maxDelayMs: 1000 },
  });
}

/** A fresh directory name under /spindle-test on HDFS. */
export function uniqueHdfsDir(prefix: string): string {
  return `hdfs:///spindle-test/${prefix}-${randomBytes(4).toString('hex')}`;
}
