/**
 * The Java side of the harness: finding Java 17 and Maven, building the launcher in this folder
 * (pom.xml, src/, jvm.options) once per content with the same Maven-module cache as the benchmark
 * peers, starting it as a detached process, and talking to it over its control socket.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HadoopHarnessError } from './hadoop-error.js';
import { LAUNCHER_MAIN_CLASS } from './processes.js';

type MavenModule = typeof import('../../scripts/lib/maven-module.mjs');

/** The repository root: the nearest directory above this file holding the harness's pom.xml. */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const MODULE_DIR = path.join(REPO_ROOT, 'integration', 'hadoop');

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'integration', 'hadoop', 'pom.xml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Spindle checkout above ${start}`);
  }
}

export interface JavaTools {
  java: string;
  mvn: string;
}

/** Java 17 or newer (JAVA_HOME first, then PATH) and Maven, or an error saying what to install. */
export function findJavaTools(): JavaTools {
  const javaHome = process.env['JAVA_HOME'];
  const fromHome = javaHome ? path.join(javaHome, 'bin', 'java') : undefined;
  const java = fromHome && isExecutable(fromHome) ? fromHome : findOnPath('java');
  if (!java) {
    throw new HadoopHarnessError(
      'HADOOP_NO_JAVA',
      'no java found (JAVA_HOME or PATH): Hadoop 3.5 needs Java 17; install a JDK 17 (Debian: openjdk-17-jdk-headless)',
    );
  }
  const major = javaMajorVersion(java);
  if (major !== undefined && major < 17) {
    throw new HadoopHarnessError(
      'HADOOP_OLD_JAVA',
      `${java} is Java ${major}, but Hadoop 3.5 needs Java 17 or newer: set JAVA_HOME to a JDK 17 (see /usr/lib/jvm)`,
    );
  }
  const mvn = findOnPath('mvn');
  if (!mvn) {
    throw new HadoopHarnessError(
      'HADOOP_NO_MAVEN',
      "no mvn on PATH: Maven fetches Hadoop's jars from Maven Central; install Maven (Debian: maven)",
    );
  }
  return { java, mvn };
}

function javaMajorVersion(java: string): number | undefined {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr ?? '');
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, program))) return path.join(dir, program);
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface LauncherBuild {
  /** The launcher's jar, then Hadoop's jars from ~/.m2. */
  classpath: string;
  /** The flags of jvm.options. */
  jvmOptions: string[];
  cached: boolean;
}

/**
 * Builds the launcher unless a build of the current pom.xml, jvm.options and sources exists under
 * .spindle/hadoop-launcher/.
 */
export async function buildLauncher(mvn: string, log: (line: string) => void): Promise<LauncherBuild> {
  const maven = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'maven-module.mjs')).href)) as MavenModule;
  const outRoot = path.join(REPO_ROOT, '.spindle', 'hadoop-launcher');
  const build = maven.buildMavenModule({ mvn, moduleDir: MODULE_DIR, outRoot, name: 'launcher', log });
  if ('failure' in build) throw mavenError(build.failure, build.output);
  return { classpath: build.classpath, jvmOptions: maven.readJvmOptions(path.join(MODULE_DIR, 'jvm.options')), cached: build.cached };
}

/** The colour codes Maven prints even in batch mode (ESC [ ... m). */
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Maven's first error line, with what to do about a download that failed. */
function mavenError(failure: string, output: string[]): HadoopHarnessError {
  const errors = output
    .map((line) => line.replace(ANSI_COLOR, '').trim())
    .filter(
      (line) => line.startsWith('[ERROR] ') && !/^\[ERROR\] (\[Help \d+\]|To see the full|Re-run Maven|For more information)/.test(line),
    )
    .map((line) => line.slice('[ERROR] '.length).replace(/ -> \[Help 1\]$/, ''));
  const download = errors.some((line) =>
    /No plugin found|resolve (dependencies|plugin)|transfer artifact|Unknown host|Connect|offline|Non-resolvable/i.test(line),
  );
  const advice = download
    ? "Maven could not download Hadoop's jars from Maven Central: check the network (or the proxy in ~/.m2/settings.xml) and run again"
    : 'building the Hadoop harness launcher with Maven failed';
  return new HadoopHarnessError('HADOOP_MAVEN_FAILED', `${advice} (${errors[0] ?? failure})`);
}

export interface LaunchOptions {
  java: string;
  build: LauncherBuild;
  home: string;
  confDir: string;
  logFile: string;
  ha: boolean;
  portBase?: number | undefined;
  nmMemoryMb?: number | undefined;
  nmVcores?: number | undefined;
  yarnSite?: Readonly<Record<string, string>> | undefined;
}

/**
 * Starts the launcher JVM detached (its own process group, output to the log file) and returns
 * its pid. The conf directory comes first on its classpath, as a Hadoop daemon's HADOOP_CONF_DIR
 * does, so the ResourceManager reads the queues from the capacity-scheduler.xml written there.
 * HADOOP_CONF_DIR and PATH (with this `node` first) reach the containers through the
 * NodeManager's environment whitelist.
 */
export function spawnLauncher(options: LaunchOptions): number {
  const logLevel = process.env['SPINDLE_HADOOP_LOG_LEVEL'];
  const args = [
    ...options.build.jvmOptions,
    ...(logLevel ? [`-Dhadoop.root.logger=${logLevel}`] : []),
    '-cp',
    [options.confDir, options.build.classpath].join(path.delimiter),
    LAUNCHER_MAIN_CLASS,
    '--home',
    options.home,
    ...(options.ha ? ['--ha'] : []),
    ...(options.portBase ? ['--port-base', String(options.portBase)] : []),
    ...(options.nmMemoryMb ? ['--nm-memory-mb', String(options.nmMemoryMb)] : []),
    ...(options.nmVcores ? ['--nm-vcores', String(options.nmVcores)] : []),
    ...Object.entries(options.yarnSite ?? {}).flatMap(([key, value]) => ['--yarn-site', `${key}=${value}`]),
  ];
  const log = fs.openSync(options.logFile, 'w');
  try {
    const child = spawn(options.java, args, {
      cwd: options.home,
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        HADOOP_CONF_DIR: options.confDir,
        PATH: [path.dirname(process.execPath), process.env['PATH'] ?? ''].join(path.delimiter),
      },
    });
    child.unref();
    if (child.pid === undefined) throw new HadoopHarnessError('HADOOP_START_FAILED', `could not start ${options.java}`);
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/** The reason the launcher printed for a failed start (`HARNESS_FAILED <message>`), if any. */
export function launcherFailure(logFile: string): string | undefined {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  const line = text.split('\n').find((l) => l.startsWith('HARNESS_FAILED '));
  return line?.slice('HARNESS_FAILED '.length).trim();
}

/** Sends one control command and resolves to the launcher's JSON reply. */
export function controlCommand(port: number, command: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${command} in ${timeoutMs} ms`)));
    socket.once('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.once('error', (e) => reject(new HadoopHarnessError('HADOOP_COMMAND_FAILED', `${command}: ${e.message}`, e)));
    socket.once('close', () => {
      try {
        const parsed = JSON.parse(reply) as Record<string, unknown>;
        if (typeof parsed['error'] === 'string') throw new HadoopHarnessError('HADOOP_COMMAND_FAILED', parsed['error']);
        resolve(parsed);
      } catch (e) {
        reject(e instanceof HadoopHarnessError ? e : new HadoopHarnessError('HADOOP_COMMAND_FAILED', `${command}: no answer`));
      }
    });
  });
}

/** A NameNode's own view of itself, from the launcher. */
export interface NameNodeHealth {
  id: string;
  state: 'active' | 'standby';
  safeMode: boolean;
  liveDataNodes: number;
}

/** Each NameNode's health as the launcher reads it from the servers, or undefined if it does not answer. */
export async function nameNodeHealth(controlPort: number): Promise<NameNodeHealth[] | undefined> {
  const reply = await controlCommand(controlPort, 'status', 10_000).catch(() => undefined);
  return reply?.['nameNodes'] as NameNodeHealth[] | undefined;
}
