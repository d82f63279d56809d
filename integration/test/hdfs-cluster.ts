import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HadoopConfiguration, hdfsFileSystem, type HdfsFileSystem } from '@spindle/hdfs';
import type { RmRestClient } from '@spindle/yarn';
import { hadoopEnv, startHadoop, stopHadoop, type HadoopCluster } from '../hadoop/harness.js';
import { REPO_ROOT } from './cli-harness.js';

export { sharedHadoop, skipWithoutHadoop } from './hadoop-shared.js';

/**
 * The HA tests' own cluster with two NameNodes (start --ha), in a home of its own: the shared
 * cluster of the run (hadoop-shared.ts) has one NameNode.
 */
export const HA_HOME = path.join(REPO_ROOT, '.spindle', 'hadoop-test-hdfs-ha');

export function startHaHadoop(): Promise<HadoopCluster> {
  return startHadoop({ home: HA_HOME, ha: true });
}

export async function stopHaHadoop(): Promise<void> {
  await stopHadoop({ home: HA_HOME });
}

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

/** Kills the applications tagged `tag` that have not ended (a test's leftovers, whatever it failed on). */
export async function killTaggedApplications(rm: RmRestClient | undefined, tag: string): Promise<void> {
  for (const app of (await rm?.findApplications({ tags: [tag] }).catch(() => [])) ?? []) {
    if (!['FINISHED', 'FAILED', 'KILLED'].includes(app.state)) await rm!.killApplication(app.id).catch(() => undefined);
  }
}
