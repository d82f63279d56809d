/**
 * Maven modules built once per content: the benchmark peers (scripts/bench/peers/<name>/) and
 * the Hadoop harness launcher (integration/hadoop/). A module is its pom.xml, its jvm.options and
 * everything under src/; it is built with `mvn package dependency:build-classpath` into
 * <outRoot>/<name>-<hash>/, where <hash> covers those files, so an unchanged module is never
 * rebuilt and an edited one is. A build holds the module's jar (target/*.jar) and classpath.txt
 * (the dependency jars in the local Maven repository).
 *
 * Maven runs offline first (`-o`), which needs no network once ~/.m2 holds the dependencies, and
 * online only when that fails. Concurrent builds of one module each build in a directory of their
 * own and the first to finish wins.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const BUILD_TIMEOUT_MS = 20 * 60 * 1000;

/** Module files relative to moduleDir, sorted: pom.xml, jvm.options and src/**. */
export function mavenModuleFiles(moduleDir) {
  const files = ['pom.xml', 'jvm.options'].filter((file) => fs.existsSync(path.join(moduleDir, file)));
  const src = path.join(moduleDir, 'src');
  if (fs.existsSync(src)) {
    for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(path.relative(moduleDir, path.join(entry.parentPath ?? entry.path, entry.name)));
    }
  }
  return files.sort();
}

/** The directory a build of the module's current content goes to. */
export function mavenBuildDir(moduleDir, outRoot, name) {
  const hash = crypto.createHash('sha256');
  for (const file of mavenModuleFiles(moduleDir)) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(moduleDir, file)))
      .update('\0');
  }
  return path.join(outRoot, `${name}-${hash.digest('hex').slice(0, 16)}`);
}

/**
 * Builds the module unless a build of its content exists. Resolves to
 * { outDir, classpath, cached } (classpath: the module's jar, then its dependencies) or
 * { failure, output } where output is Maven's last lines.
 */
export function buildMavenModule({ mvn, moduleDir, outRoot, name, log }) {
  const outDir = mavenBuildDir(moduleDir, outRoot, name);
  if (fs.existsSync(path.join(outDir, 'classpath.txt'))) return { outDir, classpath: builtClasspath(outDir), cached: true };
  const building = `${outDir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  for (const file of mavenModuleFiles(moduleDir)) {
    fs.mkdirSync(path.dirname(path.join(building, file)), { recursive: true });
    fs.copyFileSync(path.join(moduleDir, file), path.join(building, file));
  }
  const args = ['-B', '-q', 'package', 'dependency:build-classpath', '-Dmdep.outputFile=classpath.txt'];
  log(`${name}: building with ${mvn} ${args.join(' ')} (the first build downloads its dependencies)`);
  const started = Date.now();
  let result = runMaven(mvn, ['-o', ...args], building);
  if (!result.ok) result = runMaven(mvn, args, building);
  if (!result.ok) {
    fs.rmSync(building, { recursive: true, force: true });
    return { failure: result.failure, output: result.output };
  }
  try {
    fs.renameSync(building, outDir);
  } catch (error) {
    // another process built the same content first; use its build
    if (!fs.existsSync(path.join(outDir, 'classpath.txt'))) throw error;
    fs.rmSync(building, { recursive: true, force: true });
  }
  log(`${name}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { outDir, classpath: builtClasspath(outDir), cached: false };
}

function runMaven(mvn, args, cwd) {
  const result = spawnSync(mvn, args, { cwd, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (result.status === 0 && fs.existsSync(path.join(cwd, 'classpath.txt'))) return { ok: true };
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15);
  const failure = result.error ? `maven failed: ${result.error.message}` : `maven build failed (exit code ${result.status})`;
  return { ok: false, failure, output };
}

function builtClasspath(outDir) {
  const jar = fs.readdirSync(path.join(outDir, 'target')).find((file) => file.endsWith('.jar'));
  const dependencies = fs.readFileSync(path.join(outDir, 'classpath.txt'), 'utf8').trim();
  return [path.join(outDir, 'target', jar), dependencies].join(path.delimiter);
}

/** jvm.options: one flag per line; blank lines and # comments are ignored. */
export function readJvmOptions(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
