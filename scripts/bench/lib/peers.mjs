/**
 * The JVM peers: Maven modules under scripts/bench/peers/<name>/ (pom.xml, src/, jvm.options),
 * each built once into bench-data/peers/<name>-<hash>/ where <hash> covers the module's files, so
 * an unchanged module is never rebuilt. A build holds the module's jar and classpath.txt (the
 * dependency jars in the local Maven repository, from `mvn dependency:build-classpath`).
 *
 * A peer is optional: without `java` or `mvn` on PATH, or when its build fails, it is reported as
 * skipped with the reason and the benchmarks run without it.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findOnPath } from './shell.mjs';

export const PEERS = ['flink', 'spark'];
const BUILD_TIMEOUT_MS = 20 * 60 * 1000;

/**
 * Builds peers on first use, once per run. `get(name)` resolves to
 * { name, java, classpath, jvmOptions, version } or { name, skipped: reason }.
 */
export class PeerBuilds {
  #root;
  #dataDir;
  #log;
  #builds = new Map();

  constructor({ root, dataDir, log }) {
    this.#root = root;
    this.#dataDir = dataDir;
    this.#log = log;
  }

  get(name) {
    if (!this.#builds.has(name)) this.#builds.set(name, this.#build(name));
    return this.#builds.get(name);
  }

  /** Every peer asked for so far, as { name: 'built' | reason } for the results file. */
  status() {
    return Object.fromEntries([...this.#builds].map(([name, build]) => [name, build.skipped ?? 'built']));
  }

  #build(name) {
    const java = findOnPath('java');
    const mvn = findOnPath('mvn');
    if (!java) return this.#skip(name, 'no java on PATH (Java 17 is needed)');
    if (!mvn) return this.#skip(name, 'no mvn on PATH (Maven is needed to build the peer)');
    const moduleDir = path.join(this.#root, 'scripts/bench/peers', name);
    const files = moduleFiles(moduleDir);
    const outDir = path.join(this.#dataDir, 'peers', `${name}-${contentHash(moduleDir, files)}`);
    const ready = path.join(outDir, 'classpath.txt');
    if (!fs.existsSync(ready)) {
      const failure = buildModule(mvn, moduleDir, files, outDir, this.#log);
      if (failure) return this.#skip(name, failure);
    } else {
      this.#log(`peer ${name}: using the cached build ${path.relative(this.#root, outDir)}`);
    }
    const jar = fs.readdirSync(path.join(outDir, 'target')).find((file) => file.endsWith('.jar'));
    const dependencies = fs.readFileSync(ready, 'utf8').trim();
    return {
      name,
      java,
      classpath: [path.join(outDir, 'target', jar), dependencies].join(path.delimiter),
      jvmOptions: readJvmOptions(path.join(moduleDir, 'jvm.options')),
      version: systemVersion(path.join(moduleDir, 'pom.xml')),
    };
  }

  #skip(name, reason) {
    return { name, skipped: reason };
  }
}

/** Module files relative to moduleDir, sorted; build output is never inside the module. */
function moduleFiles(moduleDir) {
  return fs
    .readdirSync(moduleDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(moduleDir, path.join(entry.parentPath ?? entry.path, entry.name)))
    .filter((file) => !file.startsWith('target'))
    .sort();
}

function contentHash(moduleDir, files) {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(moduleDir, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Copies the module to outDir and runs Maven there; returns null or what went wrong. */
function buildModule(mvn, moduleDir, files, outDir, log) {
  const building = `${outDir}.building`;
  fs.rmSync(building, { recursive: true, force: true });
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(building, file)), { recursive: true });
    fs.copyFileSync(path.join(moduleDir, file), path.join(building, file));
  }
  const args = ['-B', '-q', 'package', 'dependency:build-classpath', '-Dmdep.outputFile=classpath.txt'];
  log(`peer ${path.basename(moduleDir)}: building with ${mvn} ${args.join(' ')} (first run downloads its dependencies)`);
  const started = Date.now();
  const result = spawnSync(mvn, args, { cwd: building, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (result.status !== 0 || !fs.existsSync(path.join(building, 'classpath.txt'))) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15);
    for (const line of output) log(`  | ${line}`);
    return result.error ? `maven failed: ${result.error.message}` : `maven build failed (exit code ${result.status})`;
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(building, outDir);
  log(`peer ${path.basename(moduleDir)}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return null;
}

/** One flag per line; blank lines and # comments are ignored. */
function readJvmOptions(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The `<x.version>` property of the pom: the version of the system the peer runs. */
function systemVersion(pom) {
  const match = /<(flink|spark)\.version>([^<]+)</.exec(fs.readFileSync(pom, 'utf8'));
  return match ? match[2] : 'unknown';
}

/** `java -version`'s first line, e.g. `openjdk version "17.0.15" 2025-04-15`, or null. */
export function javaVersion() {
  const java = findOnPath('java');
  if (!java) return null;
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return result.stderr?.split('\n')[0]?.trim() || null;
}

/**
 * The command running `mainClass` of a built peer: { command, args, display }, where display is
 * the command line with the JVM flags and the classpath abbreviated, for progress lines.
 */
export function javaCommand(peer, mainClass, programArgs) {
  const jars = peer.classpath.split(path.delimiter).length;
  return {
    command: peer.java,
    args: [...peer.jvmOptions, '-cp', peer.classpath, mainClass, ...programArgs],
    display: `${peer.java} <${peer.jvmOptions.length} flags from peers/${peer.name}/jvm.options> -cp <${jars} jars> ${mainClass} ${programArgs.join(' ')}`,
  };
}
