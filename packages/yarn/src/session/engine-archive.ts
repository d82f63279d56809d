import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getLogger } from '@spindle/core';
import { YarnError } from '../errors.js';

/** The link name of the engine archive in a container's working directory. */
export const ENGINE_RESOURCE = 'spindle-engine';
/** The link name of the shipped Node.js archive (`yarn.ship-node`). */
export const NODE_RESOURCE = 'spindle-node';
/** The CLI launcher inside the unpacked engine archive, relative to the container's working directory. */
export const ENGINE_LAUNCHER = `${ENGINE_RESOURCE}/node_modules/@spindle/cli/bin/spindle.js`;
/** The Node.js binary inside the unpacked Node.js archive, relative to the container's working directory. */
export const SHIPPED_NODE = `${NODE_RESOURCE}/bin/node`;

/** Packages only the client needs (type-checking, bundling): left out of the archive. */
const CLIENT_ONLY = new Set(['typescript', 'esbuild']);

/** One package of the engine: where it is installed and where it goes in the archive. */
interface PackageEntry {
  realDir: string;
  archiveDir: string;
  /** The files of the package to ship (`files` of @spindle packages), or undefined for all of it. */
  files?: readonly string[];
}

/** An archive built (or found in the cache) on this machine. */
export interface BuiltArchive {
  file: string;
  /** Content key: the same engine gives the same key on every machine. */
  key: string;
}

/**
 * The engine as a tar.gz YARN unpacks into a container (Flink ships its lib/ the same way): the
 * `@spindle/*` packages' published files (`dist/src`, `bin`, `proto`, ...) and the production
 * dependencies they need at run time, in a `node_modules` tree laid out as node resolves it.
 * Built once per engine content (the key hashes every shipped file's path, size and modification
 * time) into the user's cache directory, and reused afterwards.
 */
export async function engineArchive(nodeModules: string, entryPackage = '@spindle/cli'): Promise<BuiltArchive> {
  const packages = packageClosure(nodeModules, entryPackage);
  const files = packages.flatMap((p) => shippedFiles(p));
  const hash = crypto.createHash('sha256');
  for (const f of files) {
    const st = fs.statSync(f.source);
    hash.update(`${f.target}\0${st.size}\0${st.mtimeMs}\n`);
  }
  const key = hash.digest('hex').slice(0, 20);
  const file = path.join(cacheDir(), `spindle-engine-${key}.tar.gz`);
  if (fs.existsSync(file)) return { file, key };
  await packDirectory(file, (root) => {
    for (const f of files) {
      const target = path.join(root, f.target);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(f.source, target);
      fs.chmodSync(target, fs.statSync(f.source).mode & 0o777);
    }
  });
  getLogger('yarn-staging').info('built the engine archive', { file, files: files.length });
  return { file, key };
}

/** This process's Node.js as a tar.gz (`bin/node`), for `yarn.ship-node`; cached per Node.js version. */
export async function nodeArchive(execPath = process.execPath): Promise<BuiltArchive> {
  const key = `${process.version}-${process.platform}-${process.arch}`;
  const file = path.join(cacheDir(), `spindle-node-${key}.tar.gz`);
  if (fs.existsSync(file)) return { file, key };
  await packDirectory(file, (root) => {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(execPath, path.join(root, 'bin', 'node'));
    fs.chmodSync(path.join(root, 'bin', 'node'), 0o755);
  });
  return { file, key };
}

/** `$XDG_CACHE_HOME/spindle`, else `~/.cache/spindle`. */
function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'spindle');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fills a fresh directory, packs it with tar and gzip, and renames the result into place (no half-written archive is ever seen). */
async function packDirectory(file: string, fill: (root: string) => void): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-pack-'));
  const partial = `${file}.${process.pid}.part`;
  try {
    fill(root);
    await promisify(execFile)('tar', ['-czf', partial, '-C', root, '.']);
    fs.renameSync(partial, file);
  } catch (e) {
    fs.rmSync(partial, { force: true });
    throw new YarnError('YARN_STAGING', `Cannot pack ${path.basename(file)} for YARN: ${String(e)}`, { userFacing: true, cause: e });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Every package the entry package needs at run time (dependencies, not devDependencies), resolved as node resolves them. */
function packageClosure(nodeModules: string, entryPackage: string): PackageEntry[] {
  const installRoot = path.dirname(nodeModules);
  /** Real directories of linked packages (workspaces) → their place under node_modules. */
  const linked = new Map<string, string>();
  const seen = new Map<string, PackageEntry>();
  const archiveDirOf = (realDir: string, logical: string): string => {
    if (fs.lstatSync(logical).isSymbolicLink()) {
      const archiveDir = path.relative(installRoot, logical);
      linked.set(realDir, archiveDir);
      return archiveDir;
    }
    for (const [real, archive] of linked) {
      if (realDir.startsWith(real + path.sep)) return path.join(archive, path.relative(real, realDir));
    }
    return path.relative(installRoot, realDir);
  };
  const visit = (name: string, fromDir: string): void => {
    const logical = resolvePackage(name, fromDir, installRoot);
    if (logical === undefined) {
      throw new YarnError('YARN_STAGING', `Cannot pack the engine: the package ${name} (needed by ${fromDir}) is not installed.`, {
        userFacing: true,
      });
    }
    const realDir = fs.realpathSync(logical);
    if (seen.has(realDir)) return;
    const manifest = JSON.parse(fs.readFileSync(path.join(realDir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      files?: string[];
    };
    const entry: PackageEntry = { realDir, archiveDir: archiveDirOf(realDir, logical) };
    if (name.startsWith('@spindle/') && manifest.files !== undefined) entry.files = ['package.json', ...manifest.files];
    seen.set(realDir, entry);
    for (const dep of Object.keys(manifest.dependencies ?? {})) if (!CLIENT_ONLY.has(dep)) visit(dep, realDir);
  };
  visit(entryPackage, installRoot);
  return [...seen.values()];
}

/** node's lookup: `<dir>/node_modules/<name>` from `fromDir` up to the install root. */
function resolvePackage(name: string, fromDir: string, installRoot: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === installRoot || path.dirname(dir) === dir) break;
  }
  const atRoot = path.join(installRoot, 'node_modules', name);
  return fs.existsSync(path.join(atRoot, 'package.json')) ? atRoot : undefined;
}

/** The regular files of a package (without its own nested node_modules, which are packages of their own). */
function shippedFiles(p: PackageEntry): Array<{ source: string; target: string }> {
  const out: Array<{ source: string; target: string }> = [];
  const walk = (rel: string): void => {
    const source = path.join(p.realDir, rel);
    if (!fs.existsSync(source)) return;
    const st = fs.statSync(source);
    if (st.isDirectory()) {
      for (const child of fs.readdirSync(source).sort()) {
        if (rel === '' && child === 'node_modules') continue;
        walk(rel === '' ? child : path.join(rel, child));
      }
    } else if (st.isFile()) {
      out.push({ source, target: path.join(p.archiveDir, rel) });
    }
  };
  for (const entry of p.files ?? ['']) walk(entry);
  return out;
}
