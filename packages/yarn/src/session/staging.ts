import fs from 'node:fs';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { CONF_FILE_NAME, FileSystemError, fileSystemFor, getLogger, type FileSystem } from '@spindle/core';
import { HadoopConfiguration, HdfsFileSystem, hadoopUser } from '@spindle/hdfs';
import { YarnError } from '../errors.js';
import type { LocalResource } from '../protocols/container-management-client.js';

/** The environment variable naming the staging directory (a full URL) in the AppMaster's container. */
export const STAGING_DIR_ENV = 'SPINDLE_YARN_STAGING_DIR';
/** The configuration file's name in the staging directory and, localized, in every container's working directory. */
export const STAGED_CONF_FILE = CONF_FILE_NAME;

/**
 * The staging directory of an application, `/user/<user>/.spindle/<applicationId>/` on the
 * cluster's default file system (`fs.defaultFS`), as a full URL (`hdfs://host:port/...`), which
 * is also the form a LocalResource names.
 */
export function stagingDirectory(applicationId: string, env: NodeJS.ProcessEnv = process.env): string {
  const defaultFs = HadoopConfiguration.fromEnvironment(env).get('fs.defaultFS');
  if (defaultFs === undefined || defaultFs === '') {
    throw new YarnError(
      'YARN_STAGING',
      'Cannot stage the application in HDFS: fs.defaultFS is not set in the Hadoop configuration (HADOOP_CONF_DIR / YARN_CONF_DIR / HADOOP_HOME).',
      { userFacing: true },
    );
  }
  const base = defaultFs.replace(/\/+$/, '');
  return `${base}/user/${hadoopUser(env)}/.spindle/${applicationId}`;
}

/** The YAML of a configuration given as `key=value` properties (values quoted as JSON strings, which YAML reads). */
export function confFileText(properties: readonly string[]): string {
  const lines = ['# Staged by the Spindle YARN client: the effective -D settings of the session.'];
  for (const p of properties) {
    const i = p.indexOf('=');
    if (i <= 0) continue;
    lines.push(`${JSON.stringify(p.slice(0, i).trim())}: ${JSON.stringify(p.slice(i + 1))}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Creates the staging directory (permission 700) through the FileSystem port, uploads the
 * session's configuration file and returns it as a LocalResource (FILE, APPLICATION; size and
 * modification time from the file system's status, which the NodeManager checks). An HDFS error
 * becomes a user-facing message naming the staging directory.
 */
export async function stageConfiguration(stagingDir: string, properties: readonly string[]): Promise<LocalResource> {
  const log = getLogger('yarn-staging');
  const file = `${stagingDir}/${STAGED_CONF_FILE}`;
  try {
    const { fs } = await fileSystemFor(stagingDir);
    await fs.mkdirs(stagingDir);
    if (fs instanceof HdfsFileSystem) await fs.setPermission(stagingDir, '700');
    const out = await fs.create(file, { overwrite: true });
    out.end(confFileText(properties));
    await finished(out);
    log.info('staged the configuration', { file });
    return await localResourceOf(fs, file);
  } catch (e) {
    throw stagingError(e, stagingDir);
  }
}

/** A staged file as a LocalResource of type FILE and visibility APPLICATION. */
export async function localResourceOf(fs: FileSystem, file: string): Promise<LocalResource> {
  const status = await fs.status(file);
  if (status === undefined || status.isDirectory) {
    throw new YarnError('YARN_STAGING', `The staged file ${file} is missing.`, { userFacing: true });
  }
  return { url: file, type: 'FILE', visibility: 'APPLICATION', size: status.length, timestamp: status.modificationTime };
}

/** A local file to ship with the application: the engine archive, the Node.js archive, the job bundle. */
export interface ShippedFile {
  /** Link name in the containers' working directories (an ARCHIVE is unpacked into a directory of that name). */
  name: string;
  /** The file on this machine; its base name is kept in HDFS (YARN unpacks archives by their extension). */
  localFile: string;
  type: 'ARCHIVE' | 'FILE';
  /** Whether TaskManager containers get it too (the job bundle is for the AppMaster only). */
  taskManagers: boolean;
  /**
   * A directory (URL) shared by applications where the file is kept for reuse (`yarn.provided.lib.dirs`):
   * uploaded there once when absent, used as it is when a file of that name and size is there.
   * Without it the file is uploaded into the application's staging directory.
   */
  sharedDir?: string;
}

/**
 * Uploads a shipped file into the staging directory (which `stageConfiguration` created), or
 * reuses the copy in its shared directory, and returns it as a LocalResource.
 */
export async function stageFile(stagingDir: string, file: ShippedFile): Promise<LocalResource> {
  const base = path.basename(file.localFile);
  const dir = file.sharedDir?.replace(/\/+$/, '') ?? stagingDir;
  const target = `${dir}/${base}`;
  const log = getLogger('yarn-staging');
  try {
    const { fs: remote } = await fileSystemFor(target);
    const size = fs.statSync(file.localFile).size;
    const existing = file.sharedDir === undefined ? undefined : await remote.status(target);
    if (existing !== undefined && !existing.isDirectory && existing.length === size) {
      log.info('reusing a shipped file', { target });
    } else {
      const partial = `${target}.${process.pid}.part`;
      await pipeline(fs.createReadStream(file.localFile), await remote.create(partial, { overwrite: true }));
      await remote.rename(partial, target).catch(async (e: unknown) => {
        // Another client may have put the same file into the shared directory meanwhile.
        await remote.delete(partial).catch(() => undefined);
        if ((await remote.status(target))?.length !== size) throw e;
      });
      log.info('shipped a file', { target, size });
    }
    return { ...(await localResourceOf(remote, target)), type: file.type };
  } catch (e) {
    throw stagingError(e, dir);
  }
}

/**
 * The environment variable that carries, from the client to the AppMaster, the LocalResources
 * of every TaskManager container (JSON, link name → resource).
 */
export const TASK_MANAGER_RESOURCES_ENV = 'SPINDLE_YARN_TM_RESOURCES';

/** The application ids with a staging directory under `/user/<user>/.spindle/` on fs.defaultFS. */
export async function stagedApplications(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const parent = stagingDirectory('', env).replace(/\/+$/, '');
  const { fs: remote } = await fileSystemFor(parent);
  if ((await remote.status(parent)) === undefined) return [];
  return (await remote.list(parent)).filter((s) => s.isDirectory && /^application_\d+_\d+$/.test(s.name)).map((s) => s.name);
}

/** Removes the staging directory; true when there was one. */
export async function removeStagingDirectory(stagingDir: string): Promise<boolean> {
  const { fs } = await fileSystemFor(stagingDir);
  const removed = await fs.delete(stagingDir, { recursive: true });
  getLogger('yarn-staging').info('removed the staging directory', { stagingDir, removed });
  return removed;
}

function stagingError(e: unknown, stagingDir: string): unknown {
  if (e instanceof YarnError) return e;
  if (e instanceof FileSystemError) {
    const hint =
      e.kind === 'access-denied'
        ? ` The HDFS user '${hadoopUser()}' may not write there: check the owner and permissions of its parents (hdfs dfs -ls), or HADOOP_USER_NAME.`
        : '';
    return new YarnError('YARN_STAGING', `Cannot stage the application in ${stagingDir}: ${e.message}${hint}`, {
      userFacing: true,
      cause: e,
    });
  }
  return e;
}
