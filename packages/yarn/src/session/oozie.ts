import fs from 'node:fs';
import { HadoopConfiguration } from '@spindle/hdfs';
import { YarnError } from '../errors.js';

/** The environment variable an Oozie launcher sets to its action's configuration file. */
export const OOZIE_ACTION_CONF_ENV = 'OOZIE_ACTION_CONF_XML';
/** The property of that file holding the tags Oozie gives the action's child applications. */
export const OOZIE_CHILD_TAGS = 'oozie.child.mapreduce.job.tags';

/**
 * The child-job tags of the Oozie action this client runs in (none outside Oozie). Oozie's
 * launcher kills the applications of an earlier attempt of the action by these tags, so an
 * application started with them is safe to retry; the client itself kills nothing.
 */
export function oozieChildTags(env: NodeJS.ProcessEnv = process.env): string[] {
  const file = env[OOZIE_ACTION_CONF_ENV];
  if (file === undefined || file === '') return [];
  let xml: string;
  try {
    xml = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new YarnError('YARN_OOZIE_CONF', `Cannot read the Oozie action configuration ${file} (${OOZIE_ACTION_CONF_ENV}): ${String(e)}`, {
      userFacing: true,
      cause: e,
    });
  }
  const conf = new HadoopConfiguration({}, {}, env);
  conf.addResource(file, xml);
  return conf.getList(OOZIE_CHILD_TAGS);
}
