import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Configuration } from '@spindle/core';
import { YarnOptions } from '../yarn-options.js';

/**
 * `.yarn-properties-<user>` (Flink's format): the session a later `run -t yarn-session` submits
 * to, written by `yarn-session` in the temp directory or `yarn.properties-file.location`.
 */
export function yarnPropertiesFile(config: Configuration): string {
  const dir = config.get(YarnOptions.PROPERTIES_FILE_LOCATION) ?? os.tmpdir();
  return path.join(dir, `.yarn-properties-${os.userInfo().username}`);
}

export function writeYarnProperties(config: Configuration, applicationId: string): string {
  const file = yarnPropertiesFile(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#Generated YARN properties file\n#${new Date().toString()}\napplicationID=${applicationId}\n`);
  return file;
}

/** The application id of the properties file, or undefined when there is no file. */
export function readYarnPropertiesApplicationId(config: Configuration): string | undefined {
  const file = yarnPropertiesFile(config);
  if (!fs.existsSync(file)) return undefined;
  const line = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('applicationID='));
  return line?.slice('applicationID='.length).trim() || undefined;
}

/** Removes the properties file when it names this application (a stopped session). */
export function removeYarnProperties(config: Configuration, applicationId: string): void {
  if (readYarnPropertiesApplicationId(config) === applicationId) fs.rmSync(yarnPropertiesFile(config), { force: true });
}
